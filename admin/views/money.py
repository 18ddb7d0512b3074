"""Money: budgets and their revisions, spending, funding and exchange rates."""

from datetime import date

from flask_login import current_user

from admin.extensions import db
from admin.views.base import SchoolModelView, inline
from admin.views.fields import currency_args
from plp.enums import Role
from plp.models import Budget, BudgetLine

BUDGET_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.FINANCE)
FINANCE_ROLES = (Role.ADMINISTRATOR, Role.FINANCE)

MORE_THAN_ZERO = {"more_than_zero": True}


def agreed_budgets():
    """Return the budgets a revision can apply to: those the client agreed."""
    # A legacy Query, because Flask-Admin's pickers filter and iterate one.
    return db.session.query(Budget).filter(Budget.agreed_total.is_not(None))


class BudgetView(SchoolModelView):
    """Budgets and their costed lines; lines are fixed once the total is agreed."""

    read_roles = BUDGET_ROLES
    write_roles = BUDGET_ROLES

    column_list = (
        "programme",
        "programme.currency",
        "agreed_total",
        "current_total",
        "agreed_on",
        "agreed_by",
    )
    column_details_list = (
        "programme",
        "programme.currency",
        "lines",
        "agreed_total",
        "current_total",
        "agreed_on",
        "agreed_by",
        "revisions",
        "notes",
        "updated_at",
    )
    search_hint = "Search by programme reference or notes"
    column_searchable_list = ("programme.reference", "notes")
    column_filters = ("agreed_total", "agreed_on")
    column_sortable_list = (("programme", "programme.reference"), "agreed_on")
    column_default_sort = ("agreed_on", True)
    column_labels = {
        "programme.currency": "Currency",
        "current_total": "Total with revisions",
        "updated_at": "Last changed",
    }
    form_columns = ("programme", "agreed_total", "agreed_on", "agreed_by", "notes")
    form_readonly_columns = ("agreed_total", "agreed_on", "agreed_by")
    column_descriptions = {
        "agreed_total": "Set by the programme's Agree budget action; changed "
        "afterwards only through a budget revision.",
    }
    inline_models = (inline(BudgetLine),)


class BudgetRevisionView(SchoolModelView):
    """Changes to agreed budgets: recorded once, never edited or deleted."""

    read_roles = BUDGET_ROLES
    write_roles = ()
    create_roles = FINANCE_ROLES

    column_list = (
        "budget",
        "budget_line",
        "amount_change",
        "budget.programme.currency",
        "reason",
        "approved_by",
        "approved_on",
    )
    column_details_list = (*column_list, "created_at")
    search_hint = "Search by programme reference or reason"
    column_searchable_list = ("budget.programme.reference", "reason")
    column_filters = ("approved_on", "amount_change")
    column_sortable_list = (
        ("budget", "budget.programme.reference"),
        "amount_change",
        "approved_on",
    )
    column_default_sort = ("approved_on", True)
    column_labels = {"created_at": "Recorded"}
    form_columns = ("budget", "budget_line", "amount_change", "reason", "approved_on")
    form_args = {
        "budget": {"query_factory": agreed_budgets},
        "amount_change": {"allow_negative": True},
        "approved_on": {"default": date.today},
    }
    column_descriptions = {
        "amount_change": "Positive to add to the budget, negative to take away.",
    }

    def on_model_change(self, form, model, is_created):
        """Record the member of staff who saves the revision as its approver."""
        super().on_model_change(form, model, is_created)
        model.approved_by = current_user._get_current_object()


class ExpenseView(SchoolModelView):
    """Money spent on programmes, against their budget lines."""

    read_roles = (Role.ADMINISTRATOR, Role.FINANCE, Role.FACILITATOR)
    write_roles = FINANCE_ROLES

    column_list = (
        "programme",
        "incurred_on",
        "amount",
        "programme.currency",
        "budget_line",
        "payee",
        "reference",
    )
    column_details_list = (*column_list, "description", "created_at")
    search_hint = "Search by programme reference, payee or invoice reference"
    column_searchable_list = ("programme.reference", "payee", "reference")
    column_filters = ("incurred_on", "amount", "payee")
    column_sortable_list = (
        ("programme", "programme.reference"),
        "incurred_on",
        "amount",
        "payee",
    )
    column_default_sort = ("incurred_on", True)
    column_labels = {"created_at": "Recorded"}
    form_columns = (
        "programme",
        "budget_line",
        "incurred_on",
        "amount",
        "payee",
        "reference",
        "description",
    )
    form_args = {"amount": MORE_THAN_ZERO}
    column_descriptions = {
        "payee": "For a mentor or coach, their alias code: never their name.",
    }


class FundingApplicationView(SchoolModelView):
    """Applications to trusts and foundations, and what they awarded."""

    read_roles = BUDGET_ROLES
    write_roles = BUDGET_ROLES

    column_list = (
        "programme",
        "funder",
        "amount_asked",
        "status",
        "amount_awarded",
        "programme.currency",
        "submitted_on",
        "decided_on",
    )
    column_details_list = (*column_list, "notes", "updated_at")
    column_searchable_list = ("programme.reference", "funder")
    column_filters = ("status", "funder", "submitted_on", "decided_on")
    column_sortable_list = (
        ("programme", "programme.reference"),
        "funder",
        "amount_asked",
        "status",
        "amount_awarded",
        "submitted_on",
        "decided_on",
    )
    column_default_sort = ("submitted_on", True)
    column_labels = {"updated_at": "Last changed"}
    form_columns = (
        "programme",
        "funder",
        "amount_asked",
        "status",
        "amount_awarded",
        "submitted_on",
        "decided_on",
        "notes",
    )
    form_args = {"amount_asked": MORE_THAN_ZERO}


class ExchangeRateView(SchoolModelView):
    """The rates used to report every programme in one currency."""

    read_roles = (Role.ADMINISTRATOR, Role.FINANCE, Role.DIRECTOR)
    write_roles = FINANCE_ROLES

    column_list = ("currency", "reporting_currency", "rate", "valid_from")
    column_filters = ("currency", "reporting_currency", "valid_from")
    column_searchable_list = ("currency", "reporting_currency")
    column_sortable_list = ("currency", "reporting_currency", "rate", "valid_from")
    column_default_sort = ("valid_from", True)
    form_columns = ("currency", "reporting_currency", "rate", "valid_from")
    form_args = {"currency": currency_args(), "reporting_currency": currency_args()}
    column_descriptions = {
        "rate": "Units of the reporting currency one unit of the currency buys.",
    }

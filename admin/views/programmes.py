"""Programmes and their lifecycle actions."""

from flask import flash, url_for
from flask_admin.actions import action
from flask_login import current_user
from markupsafe import Markup

from admin.extensions import db
from admin.views.base import SchoolModelView
from admin.views.fields import currency_args
from plp.enums import Role
from plp.errors import DomainError
from plp.models import User
from plp.services.programmes import STEPS, take_step

LIFECYCLE_CONFIRM = "Apply this step to every selected programme?"

# The lists a programme's details link to, each searched for its reference.
_RECORD_LISTS = (
    ("Budget", "budget"),
    ("Learning agenda", "learning_agenda"),
    ("Matches", "match"),
    ("Find candidates", "find_candidates"),
    ("Shortlists", "shortlist"),
)


def active_facilitators():
    """Return the staff who can be given a programme to facilitate."""
    # A legacy Query, because Flask-Admin's pickers filter and iterate one.
    query = db.session.query(User)
    query = query.filter(User.role == Role.FACILITATOR, User.active.is_(True))
    return query.order_by(User.name)


def _record_links(view, context, model, name) -> Markup:
    """Link a programme's details to its budget, agenda and matches."""
    # Only the lists the user's role may open.
    open_to_user = {
        other.endpoint for other in view.admin._views if other.is_accessible()
    }
    links = [
        (title, url_for(f"{endpoint}.index_view", search=model.reference))
        for title, endpoint in _RECORD_LISTS
        if endpoint in open_to_user
    ]
    return Markup(", ").join(
        Markup('<a href="{}">{}</a>').format(url, title) for title, url in links
    )


def _without_facilitator_choice(form):
    """Leave the facilitator out of a facilitator's form: only staff assign."""
    if current_user.role == Role.FACILITATOR and "facilitator" in form:
        del form["facilitator"]
    return form


class ProgrammeView(SchoolModelView):
    """Programmes, from enquiry to completion, with their lifecycle steps.

    Network coordinators work with the mentor side, to whom a client's
    identity must not go before disclosure: they read a programme's anonymous
    client brief instead, and its client's name on the introductions page.
    """

    read_roles = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.FINANCE)
    write_roles = (Role.ADMINISTRATOR, Role.FACILITATOR)

    column_list = (
        "reference",
        "client",
        "facilitator",
        "status",
        "start_date",
        "target_end_date",
        "currency",
        "campaign",
    )
    search_hint = "Search by reference, campaign or client"
    column_searchable_list = (
        "reference",
        "campaign",
        "client.name",
        "client.alias_code",
    )
    column_filters = ("status", "currency", "start_date", "target_end_date")
    column_sortable_list = (
        "reference",
        ("client", "client.name"),
        ("facilitator", "facilitator.name"),
        "status",
        "start_date",
        "target_end_date",
        "currency",
    )
    column_default_sort = ("start_date", True)
    column_labels = {
        "target_end_date": "Target end date",
        "status_before_hold": "Status before hold",
        "records": "Records",
    }
    form_columns = (
        "reference",
        "status",
        "client",
        "facilitator",
        "start_date",
        "target_end_date",
        "currency",
        "campaign",
    )
    form_readonly_columns = ("reference", "status")
    form_args = {
        "facilitator": {"query_factory": active_facilitators},
        "currency": currency_args(),
    }
    column_descriptions = {
        "reference": "Generated when the programme is first saved.",
        "status": "Changed only by the lifecycle actions on the list of programmes.",
    }
    column_details_list = (
        "reference",
        "client",
        "facilitator",
        "status",
        "status_before_hold",
        "start_date",
        "target_end_date",
        "currency",
        "campaign",
        "records",
        "created_at",
        "updated_at",
    )
    column_formatters_detail = {"records": _record_links}

    def create_form(self, obj=None):
        """Return the new-programme form; a facilitator does not choose one."""
        return _without_facilitator_choice(super().create_form(obj))

    def edit_form(self, obj=None):
        """Return the edit form; a facilitator cannot hand the programme on."""
        return _without_facilitator_choice(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        """Give a facilitator's new programme to that facilitator."""
        super().on_model_change(form, model, is_created)
        if is_created and current_user.role == Role.FACILITATOR:
            model.facilitator = current_user._get_current_object()

    def render(self, template, **kwargs):
        """Leave out of a programme's details what it has never had."""
        model = kwargs.get("model")
        columns = kwargs.get("details_columns")
        if template == self.details_template and columns and model is not None:
            kwargs["details_columns"] = [
                (name, label)
                for name, label in columns
                if name != "status_before_hold" or model.status_before_hold
            ]
        return super().render(template, **kwargs)

    def is_action_allowed(self, name: str) -> bool:
        """Offer lifecycle steps to the roles that may take them."""
        if name in STEPS:
            roles = (Role.ADMINISTRATOR, Role.FACILITATOR)
            if name == "agree_budget":
                roles = (*roles, Role.FINANCE)
            return current_user.role in roles
        return super().is_action_allowed(name)

    def _take(self, step_name: str, ids: list[str]) -> None:
        try:
            programmes = take_step(
                db.session, current_user, step_name, [int(i) for i in ids]
            )
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return
        names = ", ".join(programme.reference for programme in programmes)
        flash(f"{STEPS[step_name].label}: done for {names}.", "success")

    @action("start_assessment", "Start assessment", LIFECYCLE_CONFIRM)
    def start_assessment(self, ids):
        """Begin the free needs assessment."""
        self._take("start_assessment", ids)

    @action("draft_budget", "Draft budget", LIFECYCLE_CONFIRM)
    def draft_budget(self, ids):
        """Move from the assessment to drawing up the budget."""
        self._take("draft_budget", ids)

    @action("agree_budget", "Agree budget", LIFECYCLE_CONFIRM)
    def agree_budget(self, ids):
        """Record that the client agreed the budget's total."""
        self._take("agree_budget", ids)

    @action("start_matching", "Start matching", LIFECYCLE_CONFIRM)
    def start_matching(self, ids):
        """Begin looking for mentors and coaches."""
        self._take("start_matching", ids)

    @action("activate", "Activate", LIFECYCLE_CONFIRM)
    def activate(self, ids):
        """Start the programme's active phase."""
        self._take("activate", ids)

    @action("put_on_hold", "Put on hold", LIFECYCLE_CONFIRM)
    def put_on_hold(self, ids):
        """Pause the programme."""
        self._take("put_on_hold", ids)

    @action("resume", "Resume", LIFECYCLE_CONFIRM)
    def resume(self, ids):
        """Return a paused programme to the stage it was paused at."""
        self._take("resume", ids)

    @action("complete", "Complete", LIFECYCLE_CONFIRM)
    def complete(self, ids):
        """Record that the programme is finished."""
        self._take("complete", ids)

    @action("withdraw", "Withdraw", LIFECYCLE_CONFIRM)
    def withdraw(self, ids):
        """Record that the client has left the programme."""
        self._take("withdraw", ids)

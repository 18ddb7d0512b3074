"""The School's rules, checked on every flush whichever way a change arrives.

Admin forms, inline edits, bulk actions, the import and the command line all
end in a flush of a SQLAlchemy session. Checking the rules here, rather than
in each way in, means none of them can forget one.
"""

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from plp.db import Money
from plp.enums import AgreementStatus, ProgrammeStatus
from plp.errors import InvalidValue, RecordInUse, RuleBroken
from plp.models import (
    AgendaItem,
    Agreement,
    AuditEvent,
    Budget,
    BudgetLine,
    BudgetRevision,
    Client,
    Consent,
    ExchangeRate,
    FundingApplication,
    LearningAgenda,
    Mentor,
    Programme,
    Seminar,
    User,
)
from plp.values import (
    check_dates_in_order,
    check_money,
    parse_currency,
    parse_email,
)

_RULES: dict[type, list[Callable]] = defaultdict(list)

# Money columns that may hold a negative amount.
_SIGNED_MONEY = {(BudgetRevision, "amount_change")}

# Records that are written once and never changed or deleted.
_APPEND_ONLY = (AuditEvent, Consent, BudgetRevision)


def rule(*model_classes: type) -> Callable:
    """Register a check to run on new and changed records of these classes."""

    def register(check: Callable) -> Callable:
        for model_class in model_classes:
            _RULES[model_class].append(check)
        return check

    return register


def label_of(obj) -> str:
    """Return how a record is called in a message: its kind and its name."""
    kind = type(obj).__name__
    words = "".join(f" {c.lower()}" if c.isupper() else c for c in kind).strip()
    return words


@event.listens_for(Session, "before_flush")
def _check_pending_changes(session: Session, flush_context, instances) -> None:
    """Refuse the whole flush if any pending change breaks a rule."""
    with session.no_autoflush:
        for obj in list(session.deleted):
            _check_deletion(session, obj)
        for obj in list(session.dirty):
            if isinstance(obj, _APPEND_ONLY) and session.is_modified(obj):
                raise RuleBroken(f"A {label_of(obj)} cannot be changed once written.")
        for obj in list(session.new) + list(session.dirty):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            _check_money_columns(obj)
            for model_class, checks in _RULES.items():
                if isinstance(obj, model_class):
                    for check in checks:
                        check(session, obj)


def _check_money_columns(obj) -> None:
    """Refuse amounts with more than two decimals and negatives where meaningless."""
    mapper = inspect(type(obj))
    for column_attr in mapper.column_attrs:
        column = column_attr.columns[0]
        if not isinstance(column.type, Money):
            continue
        value = getattr(obj, column_attr.key)
        if value is None:
            continue
        signed = (type(obj), column_attr.key) in _SIGNED_MONEY
        check_money(
            Decimal(value), _field_label(column_attr.key), allow_negative=signed
        )


def _field_label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _check_deletion(session: Session, obj) -> None:
    """Refuse to delete a record that other records still depend on."""
    if isinstance(obj, _APPEND_ONLY):
        raise RuleBroken(f"A {label_of(obj)} cannot be deleted.")
    budget = obj.budget if isinstance(obj, BudgetLine) else None
    if (
        budget is not None
        and was_agreed_before(budget)
        and budget not in session.deleted
    ):
        raise RuleBroken(
            "The budget is agreed: its lines change only through a budget revision."
        )
    dependants = count_dependants(session, obj)
    if dependants:
        listing = ", ".join(f"{count} {table}" for table, count in dependants.items())
        raise RecordInUse(
            f"This {label_of(obj)} cannot be deleted: {listing} still refer to it."
        )


def count_dependants(session: Session, obj) -> dict[str, int]:
    """Count the rows of other tables that refer to a record and would block it.

    Rows whose foreign key cascades on delete are not counted themselves, but
    what refers to them is, since deleting them would be blocked in turn.
    """
    table = inspect(type(obj)).local_table
    identity = inspect(obj).identity
    if identity is None:
        return {}
    return _dependants_of_rows(session, table, [identity[0]], depth=0)


def _dependants_of_rows(session: Session, table, ids: list, depth: int) -> dict:
    found: dict[str, int] = {}
    if depth > 3 or not ids:
        return found
    deleted_ids = _ids_being_deleted(session)
    for other in table.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table:
                continue
            referring = select(other.c.id).where(fk.parent.in_(ids))
            rows = [
                row_id
                for row_id in session.execute(referring).scalars()
                if (other.name, row_id) not in deleted_ids
            ]
            if not rows:
                continue
            if fk.ondelete == "CASCADE":
                nested = _dependants_of_rows(session, other, rows, depth + 1)
                for name, count in nested.items():
                    found[name] = found.get(name, 0) + count
            else:
                name = other.name.replace("_", " ")
                found[name] = found.get(name, 0) + len(rows)
    return found


def _ids_being_deleted(session: Session) -> set[tuple[str, int]]:
    return {
        (inspect(type(obj)).local_table.name, inspect(obj).identity[0])
        for obj in session.deleted
        if inspect(obj).identity
    }


def was_agreed_before(budget: Budget) -> bool:
    """Tell whether a budget was already agreed before the pending changes."""
    state = inspect(budget)
    if state.pending or state.transient:
        return False
    history = state.attrs.agreed_total.history
    if history.deleted:
        return history.deleted[0] is not None
    return budget.agreed_total is not None


@rule(User)
def _user_email(session: Session, user: User) -> None:
    user.email = parse_email(user.email)


@rule(Client, Mentor)
def _person_email(session: Session, person) -> None:
    if not (person.name or "").strip():
        raise InvalidValue("Name: a name is required")
    person.email = parse_email(person.email)


@rule(Mentor)
def _capacity_covers_agreements(session: Session, mentor: Mentor) -> None:
    if mentor.capacity is None or mentor.capacity < 0:
        raise InvalidValue(f"Capacity: {mentor.capacity} is negative")
    if mentor.id is None:
        return
    running = active_agreement_count(session, mentor.id)
    if running > mentor.capacity:
        raise RuleBroken(
            f"Capacity: {mentor.alias_code} has {running} active agreements, "
            f"more than a capacity of {mentor.capacity}."
        )


def active_agreement_count(session: Session, mentor_id: int) -> int:
    """Count a mentor's running agreements, pending changes included."""
    query = select(func.count(Agreement.id)).where(
        Agreement.mentor_id == mentor_id,
        Agreement.status == AgreementStatus.ACTIVE,
    )
    return session.execute(query).scalar_one()


@rule(Programme)
def _programme_is_consistent(session: Session, programme: Programme) -> None:
    programme.currency = parse_currency(programme.currency)
    check_dates_in_order(
        programme.start_date, programme.target_end_date, "Target end date"
    )
    if programme.status != ProgrammeStatus.ACTIVE:
        return
    if programme.facilitator_id is None and programme.facilitator is None:
        raise RuleBroken(
            f"{programme.reference} cannot be active without a learning facilitator."
        )
    budget = programme.budget
    if budget is None or budget.agreed_total is None:
        raise RuleBroken(
            f"{programme.reference} cannot be active before its budget is agreed."
        )


@rule(Budget)
def _agreed_total_is_a_baseline(session: Session, budget: Budget) -> None:
    history = inspect(budget).attrs.agreed_total.history
    if was_agreed_before(budget) and history.has_changes():
        raise RuleBroken(
            "The agreed total is a baseline: record a budget revision instead."
        )


@rule(BudgetLine)
def _lines_fixed_once_agreed(session: Session, line: BudgetLine) -> None:
    budget = line.budget or session.get(Budget, line.budget_id)
    if budget is not None and was_agreed_before(budget):
        raise RuleBroken(
            "The budget is agreed: its lines change only through a budget revision."
        )


@rule(BudgetRevision)
def _revision_applies_to_agreed_budget(session, revision: BudgetRevision) -> None:
    budget = revision.budget or session.get(Budget, revision.budget_id)
    if budget is None or budget.agreed_total is None:
        raise RuleBroken("Only an agreed budget can be revised.")
    if not (revision.reason or "").strip():
        raise InvalidValue("Reason: a revision needs a reason")
    if revision.amount_change == 0:
        raise InvalidValue("Amount change: a revision must change the amount")
    if revision.approved_by_id is None and revision.approved_by is None:
        raise InvalidValue("Approved by: a revision needs an approver")
    if budget.current_total is not None and budget.current_total < 0:
        raise RuleBroken("The revision would make the budget negative.")


@rule(AgendaItem)
def _agenda_item_is_consistent(session: Session, item: AgendaItem) -> None:
    check_dates_in_order(item.planned_start, item.due_date, "Due date")
    if item.percent_done is not None and not 0 <= item.percent_done <= 100:
        raise InvalidValue(f"Percent done: {item.percent_done} is not 0 to 100")
    agenda = item.agenda or session.get(LearningAgenda, item.agenda_id)
    if agenda is not None:
        check_agenda_within_budget(session, agenda)


@rule(BudgetRevision)
def _revision_keeps_agenda_covered(session, revision: BudgetRevision) -> None:
    budget = revision.budget or session.get(Budget, revision.budget_id)
    agenda = budget.programme.agenda if budget else None
    if agenda is not None:
        check_agenda_within_budget(session, agenda)


def check_agenda_within_budget(session: Session, agenda: LearningAgenda) -> None:
    """Refuse an agenda whose costs exceed the agreed budget and its revisions."""
    programme = agenda.programme or session.get(Programme, agenda.programme_id)
    budget = programme.budget if programme else None
    if budget is None or budget.current_total is None:
        return
    planned = sum(
        (
            item.cost or Decimal("0")
            for item in agenda.items
            if item not in session.deleted
        ),
        Decimal("0.00"),
    )
    if planned > budget.current_total:
        raise RuleBroken(
            f"The agenda of {programme.reference} would cost {planned} "
            f"{programme.currency}, more than the agreed budget of "
            f"{budget.current_total}: record a budget revision first."
        )


@rule(Agreement)
def _agreement_within_capacity(session: Session, agreement: Agreement) -> None:
    check_dates_in_order(agreement.start_date, agreement.end_date, "End date")
    if agreement.status != AgreementStatus.ACTIVE:
        return
    mentor = agreement.mentor or session.get(Mentor, agreement.mentor_id)
    running = active_agreement_count(session, mentor.id)
    history = inspect(agreement).attrs.status.history
    already_counted = inspect(agreement).persistent and not history.has_changes()
    if not already_counted:
        running += 1
    running += sum(
        1
        for other in session.new
        if isinstance(other, Agreement)
        and other is not agreement
        and (other.mentor is mentor or other.mentor_id == mentor.id)
        and other.status == AgreementStatus.ACTIVE
    )
    if running > mentor.capacity:
        raise RuleBroken(
            f"{mentor.alias_code} is at capacity ({mentor.capacity} active "
            "agreements): end one or raise the capacity first."
        )


@rule(FundingApplication)
def _funding_is_consistent(session, application: FundingApplication) -> None:
    check_dates_in_order(application.submitted_on, application.decided_on, "Decided on")
    awarded = application.amount_awarded
    if awarded is not None and awarded > application.amount_asked:
        raise InvalidValue(
            f"Amount awarded: {awarded} is more than "
            f"the {application.amount_asked} asked"
        )


@rule(Seminar)
def _seminar_is_consistent(session: Session, seminar: Seminar) -> None:
    seminar.currency = parse_currency(seminar.currency)
    check_dates_in_order(seminar.starts_on, seminar.ends_on, "Ends on")


@rule(ExchangeRate)
def _rate_is_consistent(session: Session, rate: ExchangeRate) -> None:
    rate.currency = parse_currency(rate.currency)
    rate.reporting_currency = parse_currency(rate.reporting_currency)
    if rate.rate is None or rate.rate <= 0:
        raise InvalidValue("Rate: an exchange rate must be more than zero")

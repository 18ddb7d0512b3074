"""A programme's lifecycle: the steps from enquiry to completion."""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plp.enums import ProgrammeStatus as S
from plp.enums import Role
from plp.errors import DomainError, NotPermitted, TransitionRefused
from plp.models import Budget, Programme, User
from plp.permissions import may_manage_programme, scope_query
from plp.services.audit import record_event

logger = logging.getLogger(__name__)

OPEN_STATUSES = (S.ENQUIRY, S.ASSESSMENT, S.BUDGET, S.AGENDA, S.MATCHING, S.ACTIVE)

# Roles that take some lifecycle steps, within their scope.
STEP_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.FINANCE)

# How a refusal says where a programme is, e.g. "it is at the budget stage".
WHERE_IT_IS = {
    S.ENQUIRY: "at the enquiry stage",
    S.ASSESSMENT: "at the needs assessment stage",
    S.BUDGET: "at the budget stage",
    S.AGENDA: "at the learning agenda stage",
    S.MATCHING: "at the matching stage",
    S.ACTIVE: "active",
    S.ON_HOLD: "on hold",
    S.COMPLETED: "completed",
    S.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class LifecycleStep:
    """One step a programme can take: where from, where to, and its name."""

    name: str
    label: str
    from_statuses: tuple[S, ...]
    to_status: S | None


STEPS = {
    step.name: step
    for step in (
        LifecycleStep(
            "start_assessment", "Start assessment", (S.ENQUIRY,), S.ASSESSMENT
        ),
        LifecycleStep("draft_budget", "Draft budget", (S.ASSESSMENT,), S.BUDGET),
        LifecycleStep("agree_budget", "Agree budget", (S.BUDGET,), S.AGENDA),
        LifecycleStep("start_matching", "Start matching", (S.AGENDA,), S.MATCHING),
        LifecycleStep("activate", "Activate", (S.AGENDA, S.MATCHING), S.ACTIVE),
        LifecycleStep("put_on_hold", "Put on hold", OPEN_STATUSES, S.ON_HOLD),
        LifecycleStep("resume", "Resume", (S.ON_HOLD,), None),
        LifecycleStep("complete", "Complete", (S.ACTIVE,), S.COMPLETED),
        LifecycleStep("withdraw", "Withdraw", (*OPEN_STATUSES, S.ON_HOLD), S.WITHDRAWN),
    )
}


def take_step(
    session: Session,
    actor: User,
    step_name: str,
    programme_ids: list[int],
    today: date | None = None,
) -> list[Programme]:
    """Move programmes one lifecycle step on, all of them or none.

    Every programme is checked first; if any is refused, nothing changes and
    the error lists each refusal with its reason.
    """
    step = STEPS.get(step_name)
    if step is None:
        raise TransitionRefused(
            f"{step_name} is not a step of a programme's lifecycle."
        )
    if not programme_ids:
        raise TransitionRefused(f"{step.label}: select at least one programme.")
    if actor.role not in STEP_ROLES:
        raise TransitionRefused(
            f"{step.label} refused: a {actor.role} may not change programmes."
        )
    # Looked up within the actor's scope, so a refusal never names a
    # programme they may not see.
    query = scope_query(
        select(Programme).where(Programme.id.in_(programme_ids)), Programme, actor
    )
    programmes = session.execute(query.order_by(Programme.id)).scalars().all()

    refusals = [
        f"{programme.reference}: {reason}"
        for programme in programmes
        if (reason := refusal_reason(actor, step, programme))
    ]
    unseen = len(set(programme_ids)) - len(programmes)
    if unseen:
        refusals.append(_not_yours(unseen))
    if refusals:
        raise TransitionRefused(f"{step.label} refused. " + " ".join(refusals))

    try:
        for programme in programmes:
            _apply(session, actor, step, programme, today or date.today())
        session.commit()
    except DomainError:
        session.rollback()
        raise

    logger.info(
        "user %s took step %s for programmes %s", actor.id, step_name, programme_ids
    )
    return programmes


def _not_yours(count: int) -> str:
    # Ids out of scope and ids of nothing read alike: neither is disclosed.
    verb = "is" if count == 1 else "are"
    return f"{count} of the selected programmes {verb} not yours to change."


def refusal_reason(actor: User, step: LifecycleStep, programme: Programme) -> str:
    """Say why a programme cannot take a step now, or return an empty string."""
    role_problem = _role_refusal(actor, step, programme)
    if role_problem:
        return role_problem
    if programme.status not in step.from_statuses:
        needed = " or ".join(WHERE_IT_IS[status] for status in step.from_statuses)
        return (
            f"it is {WHERE_IT_IS[programme.status]}; {step.label} needs it to be "
            f"{needed}."
        )
    return _precondition_missing(step, programme)


def _role_refusal(actor: User, step: LifecycleStep, programme: Programme) -> str:
    if step.name == "agree_budget" and actor.role == Role.FINANCE:
        return ""
    if may_manage_programme(actor, programme):
        return ""
    if actor.role == Role.FACILITATOR:
        return "only its own learning facilitator or an administrator may change it."
    if actor.role == Role.FINANCE:
        return "a finance officer may only agree budgets."
    return f"a {actor.role} may not change programmes."


def _precondition_missing(step: LifecycleStep, programme: Programme) -> str:
    budget = programme.budget
    if step.name == "draft_budget" and not _has_needs(programme):
        return (
            "its needs assessment records no need yet: record the client's needs "
            "before drafting the budget."
        )
    if step.name == "agree_budget":
        if budget is None or not budget.lines:
            return "its budget has no lines to agree yet: add the budget lines first."
        if budget.is_agreed:
            return "its budget is already agreed."
    target = step.to_status
    if step.name == "resume":
        target = programme.status_before_hold
        if target is None:
            return "it is not known which stage it was put on hold from."
    if target == S.ACTIVE:
        if programme.facilitator_id is None:
            return "it has no learning facilitator yet: assign one first."
        if budget is None or not budget.is_agreed:
            return "its budget is not agreed yet: agree the budget first."
        if not _has_agenda_items(programme):
            return (
                "its learning agenda has no items yet: plan the learning agenda first."
            )
    return ""


def _has_needs(programme: Programme) -> bool:
    assessment = programme.assessment
    return assessment is not None and bool(assessment.needs)


def _has_agenda_items(programme: Programme) -> bool:
    agenda = programme.agenda
    return agenda is not None and bool(agenda.items)


def _apply(session, actor: User, step: LifecycleStep, programme, today) -> None:
    before = programme.status
    note = None
    if step.name == "agree_budget":
        note = _agree_budget(actor, programme.budget, today)
    if step.name == "put_on_hold":
        programme.status_before_hold = before
    if step.name == "resume":
        programme.status = programme.status_before_hold
    else:
        programme.status = step.to_status
    if programme.status != S.ON_HOLD:
        programme.status_before_hold = None
    if step.name == "activate" and programme.start_date is None:
        programme.start_date = today
    record_event(session, actor, programme, step.name, before, programme.status, note)


def _agree_budget(actor: User, budget: Budget, today: date) -> str:
    budget.agreed_total = sum((line.amount for line in budget.lines), Decimal("0.00"))
    budget.agreed_on = today
    budget.agreed_by = actor
    return f"agreed total {budget.agreed_total}"


def ensure_may_manage(actor: User, programme: Programme) -> None:
    """Refuse a change to a programme the user's work does not cover."""
    if not may_manage_programme(actor, programme):
        raise NotPermitted(f"You may not change programme {programme.reference}.")

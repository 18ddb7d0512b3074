"""Changes to an agreed budget, each recorded as a revision with its reason."""

import logging
from datetime import date

from sqlalchemy.orm import Session

from plp.errors import DomainError, InvalidValue, NotPermitted
from plp.models import Budget, BudgetLine, BudgetRevision, User
from plp.permissions import REVISION_ROLES
from plp.services.audit import record_event
from plp.values import parse_money

logger = logging.getLogger(__name__)


def record_revision(
    session: Session,
    actor: User,
    budget_id: int,
    amount_change,
    reason: str,
    line_id: int | None = None,
    today: date | None = None,
) -> BudgetRevision:
    """Record a change to an agreed budget, approved by the member of staff."""
    if actor.role not in REVISION_ROLES:
        raise NotPermitted(
            "Only an administrator or a finance officer may approve a budget revision."
        )
    budget = session.get(Budget, budget_id)
    if budget is None:
        raise InvalidValue(f"Budget: there is no budget {budget_id}")
    if line_id is not None and session.get(BudgetLine, line_id) is None:
        raise InvalidValue(f"Budget line: there is no budget line {line_id}")
    try:
        amount = parse_money(amount_change, allow_negative=True)
    except InvalidValue as problem:
        raise InvalidValue(f"Amount change: {problem}") from None

    revision = BudgetRevision(
        budget=budget,
        budget_line_id=line_id,
        amount_change=amount,
        reason=(reason or "").strip(),
        approved_by=actor,
        approved_on=today or date.today(),
    )
    try:
        session.add(revision)
        record_event(session, actor, budget, "revise_budget", note=_note(revision))
        session.commit()
    except DomainError:
        session.rollback()
        raise

    logger.info(
        "user %s revised budget %s by %s", actor.id, budget_id, revision.amount_change
    )
    return revision


def _note(revision: BudgetRevision) -> str:
    return f"{revision.amount_change:+} ({revision.reason})"

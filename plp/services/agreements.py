"""Finalising an accepted match as an agreement, and the money it commits.

An agreement commits its fee against one budget line of the programme: a
mentor's fee against a mentoring line, a coach's against a coaching line.
Money counts as committed while it is owed or has been paid: the fees of
active and completed agreements, and the fees of seminar places that are
booked or were attended. An agreement ended early and a cancelled place no
longer commit anything; what was paid for them is spending, kept apart.
"""

import logging
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.enums import (
    COMMITTING_AGREEMENTS,
    COMMITTING_PLACES,
    AgreementStatus,
    BudgetCategory,
    PeerRole,
)
from plp.enums import MatchState as M
from plp.errors import InvalidValue, RuleBroken, TransitionRefused
from plp.models import (
    Agreement,
    Budget,
    BudgetLine,
    BudgetRevision,
    Match,
    Mentor,
    SeminarEnrolment,
    User,
)
from plp.rules import active_agreement_count
from plp.services.audit import record_event
from plp.services.matching import (
    STEPS,
    check_programme_running,
    commit_change,
    find_match,
    move_match,
    refusal_reason,
)
from plp.values import check_dates_in_order, parse_date, parse_money

logger = logging.getLogger(__name__)

# The budget line category that pays for each role.
LINE_CATEGORY = {
    PeerRole.MENTOR: BudgetCategory.MENTORING,
    PeerRole.COACH: BudgetCategory.COACHING,
}


def finalise_agreement(
    session: Session,
    actor: User,
    match_id: int,
    budget_line_id: int,
    fee,
    sessions_planned,
    start_date=None,
    end_date=None,
) -> Agreement:
    """Finalise an accepted match as an agreement, committing its fee to a line.

    Refused when the line or the programme's budget cannot hold the fee, or
    when the mentor has no room for another client.
    """
    terms = _Terms.read(fee, sessions_planned, start_date, end_date)
    match = find_match(session, actor, match_id, None, consent=False)
    refusal = refusal_reason(STEPS["finalise"], match.state)
    if refusal:
        raise TransitionRefused(refusal)
    check_programme_running(match, "An agreement")
    line = _line_for(session, match, budget_line_id)
    _check_capacity(session, match)
    _check_line_room(session, match, line, terms.fee)
    _check_budget_room(session, match, line, terms.fee)

    agreement = Agreement(
        match=match,
        programme_id=match.programme_id,
        mentor_id=match.mentor_id,
        role=match.role,
        budget_line_id=line.id,
        fee=terms.fee,
        sessions_planned=terms.sessions,
        start_date=terms.start,
        end_date=terms.end,
        status=AgreementStatus.ACTIVE,
    )

    def change() -> None:
        session.add(agreement)
        record_event(session, actor, agreement, "finalise", note=_note(match, terms))
        move_match(session, actor, match, M.AGREED, f"agreement {agreement.id}")

    commit_change(session, change)
    logger.info(
        "user %s finalised match %s as agreement %s", actor.id, match.id, agreement.id
    )
    return agreement


def committed_on_line(session: Session, line_id: int) -> Decimal:
    """Return the money agreements and seminar places commit against a line."""
    agreements = select(func.coalesce(func.sum(Agreement.fee), 0)).where(
        Agreement.budget_line_id == line_id,
        Agreement.status.in_(COMMITTING_AGREEMENTS),
    )
    places = select(func.coalesce(func.sum(SeminarEnrolment.fee), 0)).where(
        SeminarEnrolment.budget_line_id == line_id,
        SeminarEnrolment.status.in_(COMMITTING_PLACES),
    )
    return _money(session, agreements) + _money(session, places)


def committed_on_programme(session: Session, programme_id: int) -> Decimal:
    """Return the money agreements and seminar places commit for a programme."""
    agreements = select(func.coalesce(func.sum(Agreement.fee), 0)).where(
        Agreement.programme_id == programme_id,
        Agreement.status.in_(COMMITTING_AGREEMENTS),
    )
    places = select(func.coalesce(func.sum(SeminarEnrolment.fee), 0)).where(
        SeminarEnrolment.programme_id == programme_id,
        SeminarEnrolment.status.in_(COMMITTING_PLACES),
    )
    return _money(session, agreements) + _money(session, places)


def line_limit(session: Session, line: BudgetLine) -> Decimal:
    """Return a budget line's amount with the revisions made to it."""
    revisions = select(func.coalesce(func.sum(BudgetRevision.amount_change), 0))
    revisions = revisions.where(BudgetRevision.budget_line_id == line.id)
    return line.amount + _money(session, revisions)


def budget_limit(session: Session, budget: Budget) -> Decimal | None:
    """Return a budget's agreed total with every revision, or None if not agreed."""
    if budget.agreed_total is None:
        return None
    revisions = select(func.coalesce(func.sum(BudgetRevision.amount_change), 0))
    revisions = revisions.where(BudgetRevision.budget_id == budget.id)
    return budget.agreed_total + _money(session, revisions)


def lines_for_match(session: Session, match: Match) -> list[BudgetLine]:
    """Return the budget lines of a match's programme that can pay for its role."""
    query = (
        select(BudgetLine)
        .join(Budget, BudgetLine.budget_id == Budget.id)
        .where(
            Budget.programme_id == match.programme_id,
            BudgetLine.category == LINE_CATEGORY[match.role],
        )
        .order_by(BudgetLine.id)
    )
    return list(session.execute(query).scalars())


class _Terms:
    """The fee, sessions and dates of an agreement, read and checked."""

    def __init__(self, fee: Decimal, sessions: int, start, end):
        self.fee, self.sessions, self.start, self.end = fee, sessions, start, end

    @classmethod
    def read(cls, fee, sessions_planned, start_date, end_date) -> "_Terms":
        try:
            amount = parse_money(fee)
        except InvalidValue as problem:
            raise InvalidValue(f"Fee: {problem}") from None
        start = _optional_date(start_date, "Start date")
        end = _optional_date(end_date, "End date")
        check_dates_in_order(start, end, "End date", "start date")
        return cls(amount, _sessions(sessions_planned), start, end)


def _sessions(value) -> int:
    text = str(value if value is not None else "").strip()
    if isinstance(value, bool) or not (text.isdigit() and text.isascii()):
        raise InvalidValue(
            f"Sessions planned: {text or 'nothing'} is not a number of sessions; "
            "give a whole number of 1 or more"
        )
    if int(text) < 1:
        raise InvalidValue("Sessions planned: an agreement plans at least 1 session")
    return int(text)


def _optional_date(value, label: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except InvalidValue as problem:
        raise InvalidValue(f"{label}: {problem}; give YYYY-MM-DD") from None


def _line_for(session: Session, match: Match, line_id) -> BudgetLine:
    programme = match.programme
    if line_id is None:
        raise InvalidValue(
            f"Budget line: choose the line of {programme}'s budget that pays the fee"
        )
    line = session.execute(
        select(BudgetLine)
        .join(Budget, BudgetLine.budget_id == Budget.id)
        .where(BudgetLine.id == line_id, Budget.programme_id == programme.id)
        # Locks the programme's budget against a second finalising at once.
        .with_for_update()
    ).scalar_one_or_none()
    if line is None:
        raise InvalidValue(
            f"Budget line: choose one of the lines of {programme}'s budget; "
            f"{line_id} is not one of them"
        )
    wanted = LINE_CATEGORY[match.role]
    if line.category != wanted:
        raise InvalidValue(
            f"Budget line: a {match.role}'s fee is paid from a {wanted} line; "
            f"'{line.description}' is a {line.category} line"
        )
    return line


def _check_capacity(session: Session, match: Match) -> None:
    mentor = session.execute(
        select(Mentor).where(Mentor.id == match.mentor_id).with_for_update()
    ).scalar_one()
    running = active_agreement_count(session, mentor.id)
    if running >= mentor.capacity:
        raise RuleBroken(
            f"{mentor.alias_code} is at capacity: {running} active agreements "
            f"with room for {mentor.capacity}. End one of their agreements or "
            "raise their capacity first."
        )


def _check_line_room(
    session: Session, match: Match, line: BudgetLine, fee: Decimal
) -> None:
    limit = line_limit(session, line)
    committed = committed_on_line(session, line.id)
    if committed + fee > limit:
        currency = match.programme.currency
        raise RuleBroken(
            f"The fee of {fee:,.2f} {currency} does not fit the budget line "
            f"'{line.description}': {committed:,.2f} of its {limit:,.2f} is "
            f"committed already, leaving {limit - committed:,.2f}. Lower the fee "
            "or revise the line first."
        )


def _check_budget_room(
    session: Session, match: Match, line: BudgetLine, fee: Decimal
) -> None:
    programme = match.programme
    limit = budget_limit(session, line.budget)
    if limit is None:
        raise RuleBroken(
            f"The budget of {programme} is not agreed yet; agree it with the "
            "client before finalising an agreement."
        )
    committed = committed_on_programme(session, programme.id)
    if committed + fee > limit:
        raise RuleBroken(
            f"The fee of {fee:,.2f} {programme.currency} does not fit the budget "
            f"of {programme}: {committed:,.2f} of its {limit:,.2f} is committed "
            f"already, leaving {limit - committed:,.2f}. Lower the fee or revise "
            "the budget first."
        )


def _money(session: Session, query) -> Decimal:
    # COALESCE takes the money column's type, so even "none" reads as 0.00.
    return session.execute(query).scalar_one()


def _note(match: Match, terms: _Terms) -> str:
    dates = ""
    if terms.start or terms.end:
        dates = f", {terms.start or 'open'} to {terms.end or 'open'}"
    return (
        f"match {match.id}: fee {terms.fee:,.2f} {match.programme.currency}, "
        f"{terms.sessions} sessions{dates}"
    )

"""A deleted record's id is never given to a new one, so no history is lent."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from plp.enums import MatchState, ProgrammeStatus
from plp.models import AuditEvent, Expense
from plp.services.matching import delete_shortlisted
from tests.unit.factories import (
    make_budget,
    make_client,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)


def history_of(session, entity_type: str, entity_id: int) -> list[tuple]:
    """Return the audit trail of one record, oldest first."""
    query = select(AuditEvent.action, AuditEvent.from_state).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id
    )
    return session.execute(query.order_by(AuditEvent.id)).all()


def test_a_new_match_does_not_take_the_id_or_history_of_a_deleted_one(session):
    facilitator = make_user(session)
    programme = make_programme(session, ProgrammeStatus.ACTIVE, facilitator)
    deleted = make_match(
        session, programme, make_mentor(session), MatchState.SHORTLISTED
    )
    session.commit()
    deleted_id = deleted.id

    delete_shortlisted(session, facilitator, [deleted_id])
    new = make_match(session, programme, make_mentor(session), MatchState.SHORTLISTED)
    session.commit()

    assert new.id > deleted_id
    assert history_of(session, "Match", deleted_id) == [("deleted", "shortlisted")]
    assert history_of(session, "Match", new.id) == []


def _expense(session):
    programme = make_programme(session, ProgrammeStatus.ACTIVE)
    expense = Expense(
        programme=programme,
        budget_line=programme.budget.lines[0],
        incurred_on=date(2026, 5, 4),
        amount=Decimal("12.50"),
        payee="Railway",
    )
    session.add(expense)
    session.flush()
    return expense


MAKERS = {
    "client": make_client,
    "mentor": make_mentor,
    "member of staff": make_user,
    "programme": make_programme,
    "budget line": lambda session: make_budget(
        session, make_programme(session), ["40.00"]
    ).lines[0],
    "expense": _expense,
}


@pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
def test_deleting_the_newest_record_leaves_its_id_unused(session, make):
    newest = make(session)
    session.commit()
    deleted_id = newest.id

    session.delete(newest)
    session.commit()
    replacement = make(session)
    session.commit()

    assert replacement.id > deleted_id

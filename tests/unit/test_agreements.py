"""Finalising an accepted match: the agreement, the money it commits, refusals."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from plp.enums import (
    AgreementStatus,
    BudgetCategory,
    EnrolmentStatus,
    PeerRole,
    ProgrammeStatus,
    Role,
)
from plp.enums import MatchState as M
from plp.errors import InvalidValue, NotPermitted, RuleBroken, TransitionRefused
from plp.models import (
    Agreement,
    AuditEvent,
    BudgetLine,
    BudgetRevision,
    Match,
    Seminar,
    SeminarEnrolment,
)
from plp.services.agreements import (
    committed_on_line,
    committed_on_programme,
    finalise_agreement,
    lines_for_match,
)
from plp.services.audit import act_as
from tests.unit.factories import (
    make_agreement,
    make_budget,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)


@pytest.fixture
def facilitator(session):
    """Return the learning facilitator whose programme the match belongs to."""
    return make_user(session, Role.FACILITATOR)


@pytest.fixture
def accepted(session, facilitator):
    """Return an accepted match whose programme has an agreed budget of 1,000.00.

    The budget has a mentoring line of 600.00 and a travel line of 400.00.
    """
    programme = make_programme(session, facilitator=facilitator)
    budget = make_budget(session, programme, ["600.00", "400.00"])
    budget.lines[1].category = BudgetCategory.TRAVEL
    session.flush()
    budget.agreed_total, budget.agreed_on = Decimal("1000.00"), date(2026, 1, 15)
    match = make_match(session, programme, make_mentor(session, capacity=2))
    session.commit()
    return match


def line_of(match, category=BudgetCategory.MENTORING) -> BudgetLine:
    return next(
        line for line in match.programme.budget.lines if line.category == category
    )


def finalise(session, actor, match, fee="250.00", sessions=6, **fields):
    line_id = fields.pop("line_id", None) or line_of(match).id
    return finalise_agreement(
        session, actor, match.id, line_id, fee, sessions, **fields
    )


def written(session) -> tuple[int, int]:
    """Count agreements and audit events, to show a refusal wrote nothing."""
    agreements = session.execute(select(func.count(Agreement.id))).scalar_one()
    events = session.execute(select(func.count(AuditEvent.id))).scalar_one()
    return agreements, events


def test_finalising_creates_the_agreement_and_commits_its_fee(
    session, facilitator, accepted
):
    agreement = finalise(
        session,
        facilitator,
        accepted,
        fee="250.50",
        sessions="8",
        start_date="2026-06-01",
        end_date=date(2026, 12, 31),
    )

    session.expire_all()
    assert accepted.state == M.AGREED
    assert (agreement.programme_id, agreement.mentor_id, agreement.role) == (
        accepted.programme_id,
        accepted.mentor_id,
        PeerRole.MENTOR,
    )
    assert agreement.fee == Decimal("250.50")
    assert agreement.sessions_planned == 8
    assert (agreement.start_date, agreement.end_date) == (
        date(2026, 6, 1),
        date(2026, 12, 31),
    )
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.budget_line_id == line_of(accepted).id
    assert committed_on_line(session, line_of(accepted).id) == Decimal("250.50")
    assert committed_on_programme(session, accepted.programme_id) == Decimal("250.50")


def test_finalising_is_audited_on_the_match_and_the_agreement(
    session, facilitator, accepted
):
    agreement = finalise(session, facilitator, accepted)

    events = session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
    summary = [(e.entity_type, e.entity_id, e.action, e.to_state) for e in events]
    assert summary == [
        ("Agreement", agreement.id, "finalise", None),
        ("Match", accepted.id, "agreed", "agreed"),
    ]


def test_an_administrator_finalises_any_programmes_match(session, accepted):
    admin = make_user(session, Role.ADMINISTRATOR)

    finalise(session, admin, accepted)

    assert accepted.state == M.AGREED


def test_a_fee_of_exactly_the_room_left_fits(session, facilitator, accepted):
    finalise(session, facilitator, accepted, fee="600.00")

    assert committed_on_line(session, line_of(accepted).id) == Decimal("600.00")


def test_a_fee_over_the_lines_room_is_refused_with_the_figures(
    session, facilitator, accepted
):
    other = make_match(session, accepted.programme, make_mentor(session))
    other.state = M.AGREED
    session.add(
        Agreement(
            match=other,
            programme=accepted.programme,
            mentor=other.mentor,
            role=PeerRole.MENTOR,
            budget_line=line_of(accepted),
            fee=Decimal("500.00"),
        )
    )
    session.commit()
    before = written(session)

    with pytest.raises(RuleBroken) as refused:
        finalise(session, facilitator, accepted, fee="100.01")

    assert str(refused.value) == (
        "The fee of 100.01 GBP does not fit the budget line 'Line 1': 500.00 of "
        "its 600.00 is committed already, leaving 100.00. Lower the fee or revise "
        "the line first."
    )
    session.expire_all()
    assert accepted.state == M.ACCEPTED
    assert written(session) == before


def test_a_revision_of_the_line_makes_room(session, facilitator, accepted):
    approver = make_user(session, Role.FINANCE)
    session.add(
        BudgetRevision(
            budget=accepted.programme.budget,
            budget_line=line_of(accepted),
            amount_change=Decimal("100.00"),
            reason="More mentoring",
            approved_by=approver,
            approved_on=date(2026, 3, 1),
        )
    )
    session.commit()

    agreement = finalise(session, facilitator, accepted, fee="700.00")

    assert agreement.fee == Decimal("700.00")


def test_booked_seminar_places_on_the_line_count_as_committed(
    session, facilitator, accepted
):
    for number, status in enumerate(EnrolmentStatus, start=1):
        seminar = Seminar(
            title=f"Campaigning {number}",
            topic="campaigning",
            location="Lisbon",
            starts_on=date(2026, 9, number),
            ends_on=date(2026, 9, number + 4),
            places=10,
            fee_per_place=Decimal("200.00"),
            currency="GBP",
        )
        session.add(
            SeminarEnrolment(
                seminar=seminar,
                programme=accepted.programme,
                budget_line=line_of(accepted),
                enrolled_on=date(2026, 4, 1),
                fee=Decimal("200.00"),
                status=status,
            )
        )
    session.commit()

    with pytest.raises(RuleBroken, match=r"400\.00 of its 600\.00 is committed"):
        finalise(session, facilitator, accepted, fee="200.01")

    committed = committed_on_programme(session, accepted.programme_id)
    assert committed == Decimal("400.00")
    assert str(committed) == "400.00"


def test_a_fee_over_the_programmes_budget_is_refused_with_the_figures(
    session, facilitator, accepted
):
    # The line holds more than the budget's agreed total after a cut to it.
    approver = make_user(session, Role.FINANCE)
    session.add(
        BudgetRevision(
            budget=accepted.programme.budget,
            amount_change=Decimal("-700.00"),
            reason="Funder pulled out",
            approved_by=approver,
            approved_on=date(2026, 3, 1),
        )
    )
    session.commit()
    before = written(session)

    with pytest.raises(RuleBroken) as refused:
        finalise(session, facilitator, accepted, fee="300.01")

    reference = accepted.programme.reference
    assert str(refused.value) == (
        f"The fee of 300.01 GBP does not fit the budget of {reference}: 0.00 of "
        "its 300.00 is committed already, leaving 300.00. Lower the fee or revise "
        "the budget first."
    )
    assert written(session) == before


def test_a_budget_not_yet_agreed_is_refused(session, facilitator):
    programme = make_programme(session, facilitator=facilitator)
    make_budget(session, programme, ["600.00"])
    match = make_match(session, programme, make_mentor(session))
    session.commit()

    with pytest.raises(RuleBroken, match="is not agreed yet"):
        finalise(session, facilitator, match)

    assert match.state == M.ACCEPTED


def test_a_mentor_at_capacity_is_refused_before_the_money_is_checked(
    session, facilitator, accepted
):
    mentor = accepted.mentor
    mentor.capacity = 1
    make_agreement(session, make_programme(session), mentor)
    session.commit()
    before = written(session)

    with pytest.raises(RuleBroken) as refused:
        finalise(session, facilitator, accepted, fee="99999.00")

    assert str(refused.value) == (
        f"{mentor.alias_code} is at capacity: 1 active agreements with room for "
        "1. End one of their agreements or raise their capacity first."
    )
    assert mentor.name not in str(refused.value)
    assert written(session) == before


def test_a_completed_agreement_leaves_the_mentor_room(session, facilitator, accepted):
    mentor = accepted.mentor
    mentor.capacity = 1
    make_agreement(session, make_programme(session), mentor, AgreementStatus.COMPLETED)
    session.commit()

    finalise(session, facilitator, accepted)

    assert accepted.state == M.AGREED


def test_a_line_of_the_wrong_category_is_refused(session, facilitator, accepted):
    travel = line_of(accepted, BudgetCategory.TRAVEL)

    with pytest.raises(InvalidValue) as refused:
        finalise(session, facilitator, accepted, line_id=travel.id)

    assert str(refused.value) == (
        "Budget line: a mentor's fee is paid from a mentoring line; 'Line 2' is a "
        "travel line"
    )


def test_a_coachs_fee_needs_a_coaching_line(session, facilitator, accepted):
    coaching = Match(
        programme=accepted.programme,
        mentor=make_mentor(session),
        role=PeerRole.COACH,
        state=M.ACCEPTED,
    )
    session.add(coaching)
    session.commit()

    with pytest.raises(InvalidValue, match="a coach's fee is paid from a coaching"):
        finalise(session, facilitator, coaching, line_id=line_of(accepted).id)


def test_another_programmes_line_is_refused(session, facilitator, accepted):
    elsewhere = make_programme(session)
    foreign = make_budget(session, elsewhere, ["5000.00"], agreed=True).lines[0]
    session.commit()

    with pytest.raises(InvalidValue) as refused:
        finalise(session, facilitator, accepted, line_id=foreign.id)

    assert str(refused.value) == (
        f"Budget line: choose one of the lines of {accepted.programme}'s budget; "
        f"{foreign.id} is not one of them"
    )
    assert elsewhere.reference not in str(refused.value)


@pytest.mark.parametrize(
    ("fee", "message"),
    [
        ("250.005", "Fee: 250.005 has more than two decimals"),
        ("-5", "Fee: -5 is negative"),
        ("lots", "Fee: lots is not an amount of money"),
        (None, "Fee: an amount of money is required"),
    ],
)
def test_a_fee_that_is_not_exact_money_is_refused(
    session, facilitator, accepted, fee, message
):
    with pytest.raises(InvalidValue) as refused:
        finalise(session, facilitator, accepted, fee=fee)

    assert str(refused.value) == message
    assert written(session) == (0, 0)


def test_a_fee_of_nothing_is_a_pro_bono_agreement(session, facilitator, accepted):
    agreement = finalise(session, facilitator, accepted, fee="0")

    assert agreement.fee == Decimal("0.00")


@pytest.mark.parametrize("sessions", ["0", "-2", "2.5", "", None, "six"])
def test_sessions_must_be_a_whole_number_of_one_or_more(
    session, facilitator, accepted, sessions
):
    with pytest.raises(InvalidValue, match="Sessions planned"):
        finalise(session, facilitator, accepted, sessions=sessions)

    assert accepted.state == M.ACCEPTED


def test_dates_out_of_order_are_refused(session, facilitator, accepted):
    with pytest.raises(InvalidValue) as refused:
        finalise(
            session,
            facilitator,
            accepted,
            start_date="2026-06-01",
            end_date="2026-05-01",
        )

    assert str(refused.value).startswith("End date: 2026-05-01 is before the start")


def test_a_date_not_in_iso_form_is_refused(session, facilitator, accepted):
    with pytest.raises(InvalidValue, match="Start date: 01/06/2026 is not a date"):
        finalise(session, facilitator, accepted, start_date="01/06/2026")


@pytest.mark.parametrize("state", [s for s in M if s != M.ACCEPTED])
def test_only_an_accepted_match_is_finalised(session, facilitator, accepted, state):
    match = make_match(session, accepted.programme, make_mentor(session), state)
    session.commit()

    with pytest.raises(TransitionRefused):
        finalise(session, facilitator, match)

    session.expire_all()
    assert match.state == state
    assert written(session) == (0, 0)


def test_finalising_twice_says_the_agreement_exists(session, facilitator, accepted):
    finalise(session, facilitator, accepted)

    with pytest.raises(TransitionRefused, match="already led to an agreement"):
        finalise(session, facilitator, accepted)

    assert written(session)[0] == 1


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (Role.COORDINATOR, "mentor side only"),
        (Role.DIRECTOR, "A director may not change matches"),
        (Role.FINANCE, "A finance may not change matches"),
    ],
)
def test_only_facilitators_and_administrators_finalise(
    session, accepted, role, message
):
    with pytest.raises(NotPermitted, match=message):
        finalise(session, make_user(session, role), accepted)

    assert written(session) == (0, 0)


def test_another_facilitators_match_reads_as_not_theirs(session, accepted):
    other = make_user(session, Role.FACILITATOR)

    with pytest.raises(NotPermitted) as refused:
        finalise(session, other, accepted)

    assert str(refused.value) == f"Match {accepted.id} is not yours to change."


def test_the_picker_offers_the_lines_that_pay_for_the_role(session, accepted):
    lines = lines_for_match(session, accepted)

    assert [line.description for line in lines] == ["Line 1"]


def test_nothing_committed_reads_as_exact_zero(session, accepted):
    committed = committed_on_line(session, line_of(accepted).id)

    assert isinstance(committed, Decimal)
    assert str(committed) == "0.00"


def test_a_missing_budget_line_is_asked_for(session, facilitator, accepted):
    with pytest.raises(InvalidValue) as refused:
        finalise_agreement(session, facilitator, accepted.id, None, "100.00", 4)

    assert str(refused.value) == (
        f"Budget line: choose the line of {accepted.programme}'s budget that pays "
        "the fee"
    )


def test_an_agreement_is_refused_for_a_programme_on_hold(
    session, facilitator, accepted
):
    accepted.programme.status = ProgrammeStatus.ON_HOLD
    session.commit()
    before = written(session)

    with pytest.raises(TransitionRefused, match="on hold; resume the programme"):
        finalise(session, facilitator, accepted)

    session.expire_all()
    assert accepted.state == M.ACCEPTED
    assert written(session) == before


# An agreement brought back into commitment: its fee must fit again.


def ended_early(session, actor, match, fee) -> Agreement:
    """Finalise a match with a fee, then end its agreement early."""
    agreement = finalise(session, actor, match, fee=fee)
    agreement.status = AgreementStatus.ENDED
    session.commit()
    return agreement


def another_accepted(session, match) -> Match:
    """Make a second accepted match of the same programme, with another mentor."""
    other = make_match(session, match.programme, make_mentor(session))
    session.commit()
    return other


def cut_budget(session, match, amount: str) -> None:
    session.add(
        BudgetRevision(
            budget=match.programme.budget,
            amount_change=Decimal(amount),
            reason="Funder pulled out",
            approved_by=make_user(session, Role.FINANCE),
            approved_on=date(2026, 3, 1),
        )
    )
    session.commit()


def refused_change(session, agreement, status) -> str:
    """Change an agreement's status, expecting a refusal; return its message."""
    agreement.status = status
    with pytest.raises(RuleBroken) as refused:
        session.commit()
    session.rollback()
    return str(refused.value)


def test_reactivating_beyond_the_lines_room_is_refused_with_the_figures(
    session, facilitator, accepted
):
    ended = ended_early(session, facilitator, accepted, "400.00")
    finalise(session, facilitator, another_accepted(session, accepted), fee="300.00")
    before = written(session)

    message = refused_change(session, ended, AgreementStatus.ACTIVE)

    mentor = accepted.mentor
    assert message == (
        f"Status: the agreement with {mentor.alias_code} cannot become active: "
        "its fee of 400.00 GBP does not fit the budget line 'Line 1', where "
        "300.00 of its 600.00 is committed already, leaving 300.00. Revise the "
        "line first, or end another agreement it pays for."
    )
    assert mentor.name not in message
    session.expire_all()
    assert ended.status == AgreementStatus.ENDED
    assert written(session) == before


def test_reactivating_beyond_the_budgets_room_is_refused_with_the_figures(
    session, facilitator, accepted
):
    ended = ended_early(session, facilitator, accepted, "250.00")
    cut_budget(session, accepted, "-700.00")
    finalise(session, facilitator, another_accepted(session, accepted), fee="100.00")
    before = written(session)

    message = refused_change(session, ended, AgreementStatus.ACTIVE)

    assert message == (
        f"Status: the agreement with {accepted.mentor.alias_code} cannot become "
        f"active: its fee of 250.00 GBP does not fit the budget of "
        f"{accepted.programme.reference}, where 100.00 of its 300.00 is committed "
        "already, leaving 200.00. Revise the budget first, or end another "
        "agreement it pays for."
    )
    session.expire_all()
    assert ended.status == AgreementStatus.ENDED
    assert written(session) == before


def test_completing_an_agreement_ended_early_commits_its_fee_again(
    session, facilitator, accepted
):
    ended = ended_early(session, facilitator, accepted, "400.00")
    finalise(session, facilitator, another_accepted(session, accepted), fee="300.00")

    message = refused_change(session, ended, AgreementStatus.COMPLETED)

    assert message.startswith(
        f"Status: the agreement with {accepted.mentor.alias_code} cannot become "
        "completed: its fee of 400.00 GBP does not fit the budget line 'Line 1'"
    )


def test_reactivating_within_the_room_left_is_allowed(session, facilitator, accepted):
    ended = ended_early(session, facilitator, accepted, "300.00")
    finalise(session, facilitator, another_accepted(session, accepted), fee="300.00")

    ended.status = AgreementStatus.ACTIVE
    session.commit()

    assert committed_on_line(session, line_of(accepted).id) == Decimal("600.00")


def test_a_completed_agreement_made_active_again_commits_nothing_new(
    session, facilitator, accepted
):
    completed = finalise(session, facilitator, accepted, fee="400.00")
    completed.status = AgreementStatus.COMPLETED
    session.commit()
    cut_budget(session, accepted, "-900.00")

    completed.status = AgreementStatus.ACTIVE
    session.commit()

    assert committed_on_programme(session, accepted.programme_id) == Decimal("400.00")


def test_raising_a_fee_beyond_the_room_left_is_refused(session, facilitator, accepted):
    agreement = finalise(session, facilitator, accepted, fee="400.00")

    agreement.fee = Decimal("600.01")
    with pytest.raises(RuleBroken) as refused:
        session.commit()

    assert str(refused.value) == (
        f"Fee: the agreement with {accepted.mentor.alias_code} cannot commit more: "
        "its fee of 600.01 GBP does not fit the budget line 'Line 1', where 0.00 "
        "of its 600.00 is committed already, leaving 600.00. Revise the line "
        "first, or end another agreement it pays for."
    )


# Changes to an agreement after finalising, in the audit trail.


def trail_of(session, agreement) -> list[tuple]:
    """Return who did what to an agreement after finalising it, oldest first."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "Agreement",
            AuditEvent.entity_id == agreement.id,
            AuditEvent.action != "finalise",
        )
        .order_by(AuditEvent.id)
    )
    return [
        (event.actor, event.action, event.from_state, event.to_state, event.note)
        for event in session.execute(query).scalars()
    ]


def test_a_status_change_is_audited_with_who_from_and_to(
    session, facilitator, accepted
):
    agreement = finalise(session, facilitator, accepted)
    act_as(session, facilitator)

    agreement.status = AgreementStatus.ENDED
    session.commit()

    assert trail_of(session, agreement) == [
        (facilitator, "change status", "active", "ended early", None)
    ]


def test_a_change_of_sessions_or_dates_is_audited_with_both_values(
    session, facilitator, accepted
):
    agreement = finalise(session, facilitator, accepted, start_date="2026-06-01")
    act_as(session, facilitator)

    agreement.sessions_planned = 8
    agreement.end_date = date(2026, 12, 31)
    session.commit()

    assert trail_of(session, agreement) == [
        (
            facilitator,
            "change terms",
            None,
            None,
            "sessions planned from 6 to 8; end date from none to 2026-12-31",
        )
    ]


def test_each_change_is_audited_once_and_an_unchanged_save_not_at_all(
    session, facilitator, accepted
):
    agreement = finalise(session, facilitator, accepted)
    act_as(session, facilitator)

    agreement.status = AgreementStatus.COMPLETED
    session.commit()
    agreement.status = AgreementStatus.COMPLETED
    agreement.sessions_planned = 6
    session.commit()

    assert [event[1:4] for event in trail_of(session, agreement)] == [
        ("change status", "active", "completed")
    ]


def test_a_refused_reactivation_leaves_no_trace_in_the_trail(
    session, facilitator, accepted
):
    ended = ended_early(session, facilitator, accepted, "400.00")
    finalise(session, facilitator, another_accepted(session, accepted), fee="300.00")
    before = trail_of(session, ended)

    refused_change(session, ended, AgreementStatus.ACTIVE)

    assert trail_of(session, ended) == before

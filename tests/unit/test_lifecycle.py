"""A programme's lifecycle: which steps each status allows, for whom, all or none."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from plp.enums import ProgrammeStatus as S
from plp.enums import Role
from plp.errors import InvalidValue, NotPermitted, RuleBroken, TransitionRefused
from plp.models import AuditEvent, BudgetRevision, Programme
from plp.services.audit import record_event
from plp.services.budgets import record_revision
from plp.services.programmes import STEPS, WHERE_IT_IS, take_step
from tests.unit.factories import (
    make_agenda,
    make_assessment,
    make_budget,
    make_plan,
    make_programme,
    make_user,
)

TODAY = date(2026, 4, 1)

# Statuses a programme reaches only once its budget is agreed.
AGREED_STATUSES = (S.AGENDA, S.MATCHING, S.ACTIVE, S.ON_HOLD, S.COMPLETED)

# Where a programme that is on hold in these tests was paused.
PAUSED_AT = S.MATCHING


def ready_programme(session, status: S, facilitator=None) -> Programme:
    """Make a programme at a status with everything its next step needs."""
    facilitator = facilitator or make_user(session)
    programme = make_programme(session, facilitator=facilitator)
    agreed = status in AGREED_STATUSES
    make_budget(session, programme, ["500.00"], agreed=agreed)
    make_plan(session, programme, agenda=agreed)
    programme.status = status
    if status == S.ON_HOLD:
        programme.status_before_hold = PAUSED_AT
    session.commit()
    return programme


def expected_status(step_name: str) -> S:
    return PAUSED_AT if step_name == "resume" else STEPS[step_name].to_status


ALLOWED = [
    (name, status)
    for name, step in STEPS.items()
    for status in S
    if status in step.from_statuses
]
REFUSED = [
    (name, status)
    for name, step in STEPS.items()
    for status in S
    if status not in step.from_statuses
]


@pytest.fixture
def admin(session):
    """Return an administrator, who may take every step."""
    return make_user(session, Role.ADMINISTRATOR)


@pytest.mark.parametrize(("step_name", "status"), ALLOWED)
def test_every_allowed_step_moves_the_programme_on(session, admin, step_name, status):
    programme = ready_programme(session, status)

    take_step(session, admin, step_name, [programme.id], today=TODAY)

    session.expire_all()
    assert programme.status == expected_status(step_name)


@pytest.mark.parametrize(("step_name", "status"), REFUSED)
def test_every_other_step_is_refused_and_changes_nothing(
    session, admin, step_name, status
):
    programme = ready_programme(session, status)
    reference = programme.reference

    with pytest.raises(TransitionRefused) as err:
        take_step(session, admin, step_name, [programme.id], today=TODAY)

    step = STEPS[step_name]
    assert f"{reference}: it is {WHERE_IT_IS[status]}; {step.label} needs it to be" in (
        str(err.value)
    )
    session.expire_all()
    assert programme.status == status
    assert session.execute(select(AuditEvent)).first() is None


def test_a_refusal_says_where_the_programme_is_and_where_it_must_be(session, admin):
    programme = ready_programme(session, S.ENQUIRY)

    with pytest.raises(TransitionRefused) as err:
        take_step(session, admin, "draft_budget", [programme.id])

    assert str(err.value) == (
        f"Draft budget refused. {programme.reference}: it is at the enquiry stage; "
        "Draft budget needs it to be at the needs assessment stage."
    )


def test_the_steps_cover_every_status():
    reachable = {step.to_status for step in STEPS.values()}
    starts = {status for step in STEPS.values() for status in step.from_statuses}

    assert reachable | {S.ENQUIRY, None} == set(S) | {None}
    assert starts | {S.COMPLETED, S.WITHDRAWN} == set(S)


@pytest.mark.parametrize("status", [S.ENQUIRY, S.ASSESSMENT, S.BUDGET, S.ACTIVE])
def test_resume_returns_to_the_status_before_the_hold(session, admin, status):
    programme = ready_programme(session, status)

    take_step(session, admin, "put_on_hold", [programme.id], today=TODAY)
    assert programme.status == S.ON_HOLD
    take_step(session, admin, "resume", [programme.id], today=TODAY)

    assert programme.status == status
    assert programme.status_before_hold is None


def test_resuming_needs_to_know_where_the_hold_began(session, admin):
    programme = ready_programme(session, S.ON_HOLD)
    programme.status_before_hold = None
    session.commit()

    with pytest.raises(TransitionRefused, match="not known which stage it was put"):
        take_step(session, admin, "resume", [programme.id])


def test_resuming_an_active_programme_needs_a_facilitator_again(session, admin):
    programme = ready_programme(session, S.ON_HOLD)
    programme.status_before_hold = S.ACTIVE
    programme.facilitator = None
    session.commit()

    with pytest.raises(TransitionRefused, match="no learning facilitator yet"):
        take_step(session, admin, "resume", [programme.id])


def test_withdrawing_a_paused_programme_forgets_the_pause(session, admin):
    programme = ready_programme(session, S.ON_HOLD)

    take_step(session, admin, "withdraw", [programme.id])

    assert programme.status == S.WITHDRAWN
    assert programme.status_before_hold is None


# What each step needs.


def test_agreeing_a_budget_sets_the_agreed_total_to_its_lines(session, admin):
    programme = make_programme(session, facilitator=make_user(session))
    make_budget(session, programme, ["0.10"] * 10 + ["1234.56"])
    programme.status = S.BUDGET
    session.commit()

    take_step(session, admin, "agree_budget", [programme.id], today=TODAY)

    budget = programme.budget
    assert budget.agreed_total == Decimal("1235.56")
    assert budget.agreed_on == TODAY
    assert budget.agreed_by == admin


def test_a_budget_without_lines_cannot_be_agreed(session, admin):
    programme = make_programme(session, S.BUDGET)
    make_budget(session, programme)
    session.commit()

    with pytest.raises(TransitionRefused, match="no lines to agree yet"):
        take_step(session, admin, "agree_budget", [programme.id])


def test_a_budget_cannot_be_agreed_twice(session, admin):
    programme = ready_programme(session, S.BUDGET)
    programme.budget.agreed_total = Decimal("500.00")
    session.commit()

    with pytest.raises(TransitionRefused, match="its budget is already agreed"):
        take_step(session, admin, "agree_budget", [programme.id])


def test_activating_needs_a_facilitator(session, admin):
    programme = ready_programme(session, S.MATCHING)
    programme.facilitator = None
    session.commit()

    with pytest.raises(TransitionRefused, match="no learning facilitator yet"):
        take_step(session, admin, "activate", [programme.id])


def test_drafting_a_budget_needs_a_recorded_need(session, admin):
    programme = make_programme(session, facilitator=make_user(session))
    make_assessment(session, programme)
    programme.status = S.ASSESSMENT
    session.commit()

    with pytest.raises(TransitionRefused) as err:
        take_step(session, admin, "draft_budget", [programme.id])

    assert "its needs assessment records no need yet: record the client's needs" in (
        str(err.value)
    )
    assert programme.status == S.ASSESSMENT


def test_drafting_a_budget_needs_a_needs_assessment(session, admin):
    programme = make_programme(session, S.ASSESSMENT)

    with pytest.raises(TransitionRefused, match="records no need yet"):
        take_step(session, admin, "draft_budget", [programme.id])


@pytest.mark.parametrize("with_agenda", [False, True])
def test_activating_needs_a_learning_agenda_with_an_item(session, admin, with_agenda):
    programme = make_programme(session, facilitator=make_user(session))
    make_budget(session, programme, ["500.00"], agreed=True)
    make_assessment(session, programme, ["Campaigning"])
    if with_agenda:
        make_agenda(session, programme)
    programme.status = S.MATCHING
    session.commit()

    with pytest.raises(TransitionRefused) as err:
        take_step(session, admin, "activate", [programme.id])

    assert "its learning agenda has no items yet: plan the learning agenda first" in (
        str(err.value)
    )
    assert programme.status == S.MATCHING


def test_activating_sets_the_start_date_when_there_is_none(session, admin):
    programme = ready_programme(session, S.AGENDA)

    take_step(session, admin, "activate", [programme.id], today=TODAY)

    assert programme.start_date == TODAY


def test_activating_keeps_a_start_date_already_planned(session, admin):
    programme = ready_programme(session, S.AGENDA)
    programme.start_date = date(2026, 9, 1)
    session.commit()

    take_step(session, admin, "activate", [programme.id], today=TODAY)

    assert programme.start_date == date(2026, 9, 1)


def test_an_unknown_step_is_refused(session, admin):
    programme = ready_programme(session, S.ENQUIRY)

    with pytest.raises(TransitionRefused, match="launch is not a step"):
        take_step(session, admin, "launch", [programme.id])


def test_a_step_needs_at_least_one_programme(session, admin):
    with pytest.raises(TransitionRefused, match="select at least one programme"):
        take_step(session, admin, "start_assessment", [])


# Who may take a step.


def test_a_facilitator_moves_their_own_programmes(session):
    facilitator = make_user(session)
    programme = ready_programme(session, S.ENQUIRY, facilitator)

    take_step(session, facilitator, "start_assessment", [programme.id])

    assert programme.status == S.ASSESSMENT


@pytest.mark.parametrize("step_name", list(STEPS))
def test_a_facilitator_cannot_touch_another_facilitators_programme(session, step_name):
    step = STEPS[step_name]
    programme = ready_programme(session, step.from_statuses[0])

    with pytest.raises(TransitionRefused) as err:
        take_step(session, make_user(session), step_name, [programme.id])

    assert str(err.value) == (
        f"{step.label} refused. 1 of the selected programmes is not yours to change."
    )
    assert programme.reference not in str(err.value)
    assert programme.status == step.from_statuses[0]


def test_a_facilitator_is_told_only_about_their_own_programmes(session):
    facilitator = make_user(session)
    own = ready_programme(session, S.ACTIVE, facilitator)
    others = [ready_programme(session, S.ENQUIRY) for _ in range(2)]
    ids = [own.id, *(programme.id for programme in others)]

    with pytest.raises(TransitionRefused) as err:
        take_step(session, facilitator, "start_assessment", ids)

    message = str(err.value)
    assert f"{own.reference}: it is active" in message
    assert "2 of the selected programmes are not yours to change." in message
    for programme in others:
        assert programme.reference not in message
    session.expire_all()
    assert [programme.status for programme in others] == [S.ENQUIRY, S.ENQUIRY]


def test_finance_may_agree_any_budget(session):
    programme = ready_programme(session, S.BUDGET)

    take_step(session, make_user(session, Role.FINANCE), "agree_budget", [programme.id])

    assert programme.status == S.AGENDA
    assert programme.budget.agreed_by.role == Role.FINANCE


@pytest.mark.parametrize(
    "step_name", [name for name in STEPS if name != "agree_budget"]
)
def test_finance_may_take_no_other_step(session, step_name):
    programme = ready_programme(session, STEPS[step_name].from_statuses[0])

    with pytest.raises(TransitionRefused, match="a finance officer may only agree"):
        take_step(session, make_user(session, Role.FINANCE), step_name, [programme.id])


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.COORDINATOR])
@pytest.mark.parametrize("step_name", list(STEPS))
def test_directors_and_coordinators_take_no_step(session, role, step_name):
    programme = ready_programme(session, STEPS[step_name].from_statuses[0])

    with pytest.raises(TransitionRefused, match=f"a {role} may not change programmes"):
        take_step(session, make_user(session, role), step_name, [programme.id])


# Several programmes at once: all or none.


def test_one_refusal_stops_every_programme_and_each_is_listed(session, admin):
    ready = ready_programme(session, S.ENQUIRY)
    too_far = ready_programme(session, S.ACTIVE)
    finished = ready_programme(session, S.COMPLETED)
    ids = [ready.id, too_far.id, finished.id]
    references = (too_far.reference, finished.reference)

    with pytest.raises(TransitionRefused) as err:
        take_step(session, admin, "start_assessment", ids)

    message = str(err.value)
    assert message.startswith("Start assessment refused.")
    assert f"{references[0]}: it is active" in message
    assert f"{references[1]}: it is completed" in message
    session.expire_all()
    assert ready.status == S.ENQUIRY


def test_a_programme_that_no_longer_exists_stops_the_rest(session, admin):
    programme = ready_programme(session, S.ENQUIRY)

    with pytest.raises(TransitionRefused, match="1 of the selected programmes is not"):
        take_step(session, admin, "start_assessment", [programme.id, 999_999])

    assert programme.status == S.ENQUIRY


def test_a_rule_broken_by_one_programme_undoes_the_others(session, admin):
    fits = ready_programme(session, S.BUDGET)
    too_costly = ready_programme(session, S.BUDGET)
    make_agenda(session, too_costly, ["900.00"])
    session.commit()

    with pytest.raises(RuleBroken, match=r"would cost 900\.00 GBP"):
        take_step(session, admin, "agree_budget", [fits.id, too_costly.id])

    assert fits.status == S.BUDGET
    assert fits.budget.agreed_total is None
    assert session.execute(select(AuditEvent)).first() is None


def test_every_change_is_written_to_the_audit_trail(session, admin):
    first = ready_programme(session, S.BUDGET)
    second = ready_programme(session, S.BUDGET)

    take_step(session, admin, "agree_budget", [first.id, second.id])

    events = session.execute(select(AuditEvent).order_by(AuditEvent.entity_id))
    rows = [
        (e.entity_type, e.entity_id, e.action, e.from_state, e.to_state, e.actor_id)
        for e in events.scalars()
    ]
    assert rows == [
        ("Programme", first.id, "agree_budget", "budget", "agenda", admin.id),
        ("Programme", second.id, "agree_budget", "budget", "agenda", admin.id),
    ]
    note = session.execute(select(AuditEvent.note)).scalars().first()
    assert note == "agreed total 500.00"


def test_a_pause_is_audited_with_the_status_it_paused(session, admin):
    programme = ready_programme(session, S.ACTIVE)

    take_step(session, admin, "put_on_hold", [programme.id])

    audit = session.execute(select(AuditEvent)).scalar_one()
    assert (audit.from_state, audit.to_state) == ("active", "on hold")


def test_an_event_about_a_record_added_in_the_same_change_names_it(session, admin):
    programme = Programme(client=make_programme(session).client, currency="EUR")
    session.add(programme)

    audit = record_event(session, admin, programme, "enquire", None, S.ENQUIRY)
    session.commit()

    assert audit.entity_id == programme.id is not None
    assert audit.to_state == "enquiry"


# Revisions to an agreed budget.


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.FINANCE])
def test_finance_and_administrators_record_revisions(session, role):
    programme = ready_programme(session, S.ACTIVE)
    approver = make_user(session, role)

    revision = record_revision(
        session,
        approver,
        programme.budget.id,
        "-120.50",
        "Cheaper flights",
        today=TODAY,
    )

    assert revision.amount_change == Decimal("-120.50")
    assert revision.approved_by == approver
    assert programme.budget.current_total == Decimal("379.50")
    audit = session.execute(select(AuditEvent)).scalar_one()
    assert (audit.entity_type, audit.action) == ("Budget", "revise_budget")
    assert audit.note == "-120.50 (Cheaper flights)"


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.DIRECTOR, Role.COORDINATOR])
def test_other_roles_cannot_record_revisions(session, role):
    programme = ready_programme(session, S.ACTIVE)

    with pytest.raises(NotPermitted, match="Only an administrator or a finance"):
        record_revision(
            session, make_user(session, role), programme.budget.id, "10.00", "More"
        )


def test_a_revision_amount_with_more_than_two_decimals_is_refused(session):
    programme = ready_programme(session, S.ACTIVE)
    finance = make_user(session, Role.FINANCE)

    with pytest.raises(InvalidValue, match=r"Amount change: 10\.005 has more than two"):
        record_revision(session, finance, programme.budget.id, "10.005", "More")


def test_a_refused_revision_writes_nothing(session):
    programme = ready_programme(session, S.BUDGET)
    finance = make_user(session, Role.FINANCE)

    with pytest.raises(RuleBroken, match="is not agreed yet"):
        record_revision(session, finance, programme.budget.id, "10.00", "More")

    assert session.execute(select(BudgetRevision)).first() is None
    assert session.execute(select(AuditEvent)).first() is None

"""The introduction workflow: every step from every state, consent, roles, expiry."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from plp.enums import (
    Channel,
    ConsentDecision,
    ConsentSide,
    PeerRole,
    ProgrammeStatus,
    Role,
)
from plp.enums import MatchState as M
from plp.errors import InvalidValue, NotPermitted, RuleBroken, TransitionRefused
from plp.models import AuditEvent, Consent, Match
from plp.rules import MATCH_STATES_ENDED
from plp.services import matching
from plp.services.agreements import finalise_agreement
from plp.services.matching import (
    BULK_STEPS,
    STEPS,
    decline,
    expire_proposals,
    hold_interview,
    propose,
    record_consent,
    steps_open_to,
    take_step_for_all,
    withdraw,
    withdraw_consent,
)
from tests.unit.factories import (
    make_budget,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)

CLIENT, MENTOR = ConsentSide.CLIENT, ConsentSide.MENTOR
PAUSED_OR_OVER = (
    ProgrammeStatus.ON_HOLD,
    ProgrammeStatus.COMPLETED,
    ProgrammeStatus.WITHDRAWN,
)
GIVEN, REFUSED = ConsentDecision.GIVEN, ConsentDecision.REFUSED
NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def facilitator(session):
    """Return the learning facilitator whose programme the matches belong to."""
    return make_user(session, Role.FACILITATOR)


@pytest.fixture
def admin(session):
    """Return an administrator, who may take every step."""
    return make_user(session, Role.ADMINISTRATOR)


@pytest.fixture
def coordinator(session):
    """Return a network coordinator, who acts on the mentor side."""
    return make_user(session, Role.COORDINATOR)


@pytest.fixture
def new_match(session, facilitator):
    """Return a function making a match of the facilitator's programme at a state."""

    def make(state: M = M.PROPOSED, proposed_at: datetime | None = None) -> Match:
        programme = make_programme(session, facilitator=facilitator)
        make_budget(session, programme, ["1000.00"], agreed=True)
        match = make_match(session, programme, make_mentor(session), state)
        if state != M.SHORTLISTED:
            match.proposed_at = proposed_at or datetime.now(UTC)
        session.commit()
        return match

    return make


def take(session, actor, step_name: str, match_id: int):
    """Take a workflow step by name, with what the step needs to be taken."""
    if step_name == "finalise":
        match = session.get(Match, match_id)
        line = match.programme.budget.lines[0]
        return finalise_agreement(session, actor, match_id, line.id, "400.00", 6)
    service = getattr(matching, step_name)
    if step_name in ("decline", "withdraw"):
        return service(session, actor, match_id, "The client chose another route")
    return service(session, actor, match_id)


def events(session, match: Match) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == "Match", AuditEvent.entity_id == match.id)
        .order_by(AuditEvent.id)
    )
    return session.execute(query).scalars().all()


def consents(session, match: Match) -> int:
    query = select(func.count()).select_from(Consent)
    return session.execute(query.where(Consent.match_id == match.id)).scalar_one()


ALLOWED_STEPS = [
    (name, s) for name, step in STEPS.items() for s in M if s in step.from_states
]
REFUSED_STEPS = [
    (name, s) for name, step in STEPS.items() for s in M if s not in step.from_states
]


@pytest.mark.parametrize(("step_name", "state"), ALLOWED_STEPS)
def test_every_allowed_step_moves_the_match_and_is_audited(
    session, admin, new_match, step_name, state
):
    match = new_match(state)

    take(session, admin, step_name, match.id)

    session.expire_all()
    assert match.state == STEPS[step_name].to_state
    [event] = events(session, match)
    assert (event.action, event.from_state) == (str(match.state), state.value)
    assert (event.actor_id, event.from_state, event.to_state) == (
        admin.id,
        state.value,
        match.state.value,
    )


@pytest.mark.parametrize(("step_name", "state"), REFUSED_STEPS)
def test_every_refused_step_changes_nothing(
    session, admin, new_match, step_name, state
):
    match = new_match(state)

    with pytest.raises(TransitionRefused):
        take(session, admin, step_name, match.id)

    session.expire_all()
    assert match.state == state
    assert events(session, match) == []


@pytest.mark.parametrize("state", [s for s in M if s != M.PROPOSED])
@pytest.mark.parametrize("decision", [GIVEN, REFUSED])
def test_consent_is_recorded_only_while_proposed(
    session, admin, new_match, state, decision
):
    match = new_match(state)

    with pytest.raises(TransitionRefused):
        record_consent(session, admin, match.id, CLIENT, decision, Channel.PHONE)

    session.expire_all()
    assert match.state == state
    assert consents(session, match) == 0
    assert events(session, match) == []


def test_proposing_records_when(session, admin, new_match):
    match = new_match(M.SHORTLISTED)

    propose(session, admin, match.id)

    assert match.proposed_at is not None


@pytest.mark.parametrize("order", [(CLIENT, MENTOR), (MENTOR, CLIENT)])
def test_both_consents_in_either_order_disclose_at_once(
    session, admin, new_match, order
):
    match = new_match()
    first, second = order

    record_consent(session, admin, match.id, first, GIVEN, Channel.EMAIL, "Said yes")
    assert match.state == M.PROPOSED
    record_consent(session, admin, match.id, second, GIVEN, Channel.MEETING)

    session.expire_all()
    assert match.state == M.DISCLOSED
    assert match.disclosed_at is not None
    actions = [event.action for event in events(session, match)]
    assert actions == [f"{first} consent given", f"{second} consent given", "disclosed"]
    recorded = {c.side: c for c in match.consents}
    assert recorded[first].channel == Channel.EMAIL
    assert recorded[first].note == "Said yes"
    assert recorded[first].recorded_by_id == admin.id
    assert recorded[first].recorded_at is not None


def test_a_withdrawn_consent_keeps_the_names_undisclosed(session, admin, new_match):
    match = new_match()
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    withdraw_consent(session, admin, match.id, CLIENT, Channel.LETTER, "Changed mind")
    record_consent(session, admin, match.id, MENTOR, GIVEN, Channel.PHONE)

    session.expire_all()
    assert match.state == M.PROPOSED
    assert match.current_consent(CLIENT) == ConsentDecision.WITHDRAWN
    assert "client consent withdrawn" in [e.action for e in events(session, match)]


def test_consent_given_again_after_withdrawing_discloses(session, admin, new_match):
    match = new_match()
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)
    withdraw_consent(session, admin, match.id, CLIENT, Channel.PHONE)
    record_consent(session, admin, match.id, MENTOR, GIVEN, Channel.PHONE)

    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    session.expire_all()
    assert match.state == M.DISCLOSED


def test_consent_cannot_be_withdrawn_after_disclosure(session, admin, new_match):
    match = new_match()
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)
    record_consent(session, admin, match.id, MENTOR, GIVEN, Channel.PHONE)

    with pytest.raises(TransitionRefused, match="already disclosed"):
        withdraw_consent(session, admin, match.id, CLIENT, Channel.PHONE)

    session.expire_all()
    assert match.state == M.DISCLOSED
    assert consents(session, match) == 2


def test_withdrawing_needs_a_consent_standing(session, admin, new_match):
    match = new_match()

    with pytest.raises(TransitionRefused, match="record its consent first"):
        withdraw_consent(session, admin, match.id, MENTOR, Channel.PHONE)

    assert consents(session, match) == 0


@pytest.mark.parametrize("side", list(ConsentSide))
def test_a_refusal_declines_without_saying_which_side(session, admin, new_match, side):
    match = new_match()

    record_consent(session, admin, match.id, side, REFUSED, Channel.PHONE)

    session.expire_all()
    assert match.state == M.DECLINED
    assert "client" not in match.end_reason.lower()
    assert "mentor" not in match.end_reason.lower()
    declined = events(session, match)[-1]
    assert (declined.from_state, declined.to_state) == ("proposed", "declined")
    assert f"{side} side" in declined.note


def test_a_refusal_after_the_other_sides_consent_still_declines(
    session, admin, new_match
):
    match = new_match()
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    record_consent(session, admin, match.id, MENTOR, REFUSED, Channel.PHONE)

    session.expire_all()
    assert match.state == M.DECLINED
    assert match.disclosed_at is None


def test_the_same_consent_twice_is_refused(session, admin, new_match):
    match = new_match()
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    with pytest.raises(TransitionRefused, match="already recorded"):
        record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    assert consents(session, match) == 1


@pytest.mark.parametrize("channel", [Channel.IMPORT, "carrier pigeon"])
def test_consent_needs_a_real_channel(session, admin, new_match, channel):
    match = new_match()

    with pytest.raises(InvalidValue, match="Channel"):
        record_consent(session, admin, match.id, CLIENT, GIVEN, channel)

    assert consents(session, match) == 0


def test_an_interview_before_disclosure_says_both_sides_must_consent(
    session, admin, new_match
):
    match = new_match(M.PROPOSED)

    with pytest.raises(TransitionRefused) as refused:
        hold_interview(session, admin, match.id)

    assert str(refused.value) == (
        "An interview needs the names disclosed first: both sides must consent."
    )


@pytest.mark.parametrize("step_name", ["invite", "accept"])
def test_steps_after_an_interview_need_disclosure_first(
    session, admin, new_match, step_name
):
    match = new_match(M.SHORTLISTED)

    with pytest.raises(TransitionRefused, match="needs the names disclosed first"):
        take(session, admin, step_name, match.id)


def test_accepting_after_the_interview_says_the_client_must_invite(
    session, admin, new_match
):
    match = new_match(M.INTERVIEW)

    with pytest.raises(TransitionRefused, match="the client must invite the mentor"):
        take(session, admin, "accept", match.id)


def test_ending_a_match_needs_a_reason(session, admin, new_match):
    match = new_match()

    with pytest.raises(InvalidValue, match="Reason"):
        decline(session, admin, match.id, "  ")

    session.expire_all()
    assert match.state == M.PROPOSED
    assert events(session, match) == []


def test_the_declining_side_goes_to_the_audit_note_only(session, admin, new_match):
    match = new_match(M.DISCLOSED)

    withdraw(session, admin, match.id, "No longer available", side=MENTOR)

    session.expire_all()
    assert match.end_reason == "No longer available"
    assert events(session, match)[-1].note == "by the mentor side: No longer available"


ENDED_EARLY = {
    "decline": "Declined before the names were disclosed.",
    "withdraw": "Withdrawn before the names were disclosed.",
}


@pytest.mark.parametrize("state", [M.SHORTLISTED, M.PROPOSED])
@pytest.mark.parametrize("step_name", list(ENDED_EARLY))
@pytest.mark.parametrize("side", [CLIENT, MENTOR, None])
def test_ending_before_disclosure_keeps_the_words_and_side_to_the_audit_trail(
    session, admin, new_match, state, step_name, side
):
    match = new_match(state)
    service = getattr(matching, step_name)

    service(session, admin, match.id, "  Ms Brackenfold thinks him too partisan ", side)

    session.expire_all()
    assert match.end_reason == ENDED_EARLY[step_name]
    ended = events(session, match)[-1]
    assert (ended.from_state, ended.to_state) == (state, STEPS[step_name].to_state)
    said = "Ms Brackenfold thinks him too partisan"
    assert ended.note == (f"by the {side} side: {said}" if side else said)


def test_a_coordinator_declining_before_disclosure_names_no_side_on_the_match(
    session, coordinator, new_match
):
    match = new_match()

    decline(session, coordinator, match.id, "Her party forbids it", MENTOR)

    session.expire_all()
    assert match.end_reason == "Declined before the names were disclosed."
    assert "mentor" not in match.end_reason.lower()
    assert events(session, match)[-1].note == "by the mentor side: Her party forbids it"


@pytest.mark.parametrize("state", [M.DISCLOSED, M.INTERVIEW, M.INVITED, M.ACCEPTED])
def test_ending_after_disclosure_keeps_the_reason_as_written(
    session, admin, new_match, state
):
    match = new_match(state)

    decline(session, admin, match.id, " The interview showed a poor fit ", CLIENT)

    session.expire_all()
    assert match.end_reason == "The interview showed a poor fit"


# Who may do what.

STEP_NAMES = list(STEPS)


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.FINANCE])
@pytest.mark.parametrize("step_name", STEP_NAMES)
def test_directors_and_finance_take_no_step(session, new_match, role, step_name):
    match = new_match(STEPS[step_name].from_states[0])
    actor = make_user(session, role)

    with pytest.raises(NotPermitted, match=f"A {role} may not change matches"):
        take(session, actor, step_name, match.id)

    assert events(session, match) == []


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.FINANCE])
def test_directors_and_finance_record_no_consent(session, new_match, role):
    match = new_match()

    with pytest.raises(NotPermitted):
        record_consent(
            session, make_user(session, role), match.id, MENTOR, GIVEN, Channel.PHONE
        )

    assert consents(session, match) == 0


@pytest.mark.parametrize("step_name", STEP_NAMES)
def test_a_facilitator_takes_every_step_of_their_own_programme(
    session, facilitator, new_match, step_name
):
    match = new_match(STEPS[step_name].from_states[0])

    take(session, facilitator, step_name, match.id)

    assert match.state == STEPS[step_name].to_state


@pytest.mark.parametrize("step_name", STEP_NAMES)
def test_a_facilitator_cannot_touch_another_programmes_match(
    session, new_match, step_name
):
    state = STEPS[step_name].from_states[0]
    match = new_match(state)
    other = make_user(session, Role.FACILITATOR)

    with pytest.raises(NotPermitted) as refused:
        take(session, other, step_name, match.id)

    session.expire_all()
    assert match.state == state
    assert str(refused.value) == f"Match {match.id} is not yours to change."


def test_an_unknown_match_reads_like_one_out_of_scope(session, facilitator):
    with pytest.raises(NotPermitted, match="Match 999 is not yours to change"):
        propose(session, facilitator, 999)


def test_a_facilitator_records_the_client_side_only(session, facilitator, new_match):
    match = new_match()

    record_consent(session, facilitator, match.id, CLIENT, GIVEN, Channel.MEETING)
    with pytest.raises(NotPermitted, match="network coordinator"):
        record_consent(session, facilitator, match.id, MENTOR, GIVEN, Channel.MEETING)

    assert consents(session, match) == 1


def test_a_coordinator_records_the_mentor_side(session, coordinator, new_match):
    match = new_match()

    record_consent(session, coordinator, match.id, MENTOR, GIVEN, Channel.PHONE)
    withdraw_consent(session, coordinator, match.id, MENTOR, Channel.PHONE)

    session.expire_all()
    assert match.current_consent(MENTOR) == ConsentDecision.WITHDRAWN


def test_a_coordinator_may_not_record_the_client_side(session, coordinator, new_match):
    match = new_match()

    with pytest.raises(NotPermitted, match="mentor side only"):
        record_consent(session, coordinator, match.id, CLIENT, GIVEN, Channel.PHONE)

    assert consents(session, match) == 0


@pytest.mark.parametrize("step_name", ["decline", "withdraw"])
def test_a_coordinator_ends_a_match_for_the_mentor_side(
    session, coordinator, new_match, step_name
):
    match = new_match(M.DISCLOSED)

    service = getattr(matching, step_name)
    service(session, coordinator, match.id, "Mentor is unwell", side=MENTOR)

    assert match.state == STEPS[step_name].to_state


@pytest.mark.parametrize("step_name", STEP_NAMES)
def test_a_coordinator_takes_no_step_for_the_client(
    session, coordinator, new_match, step_name
):
    state = STEPS[step_name].from_states[0]
    match = new_match(state)

    with pytest.raises(NotPermitted, match="mentor side only"):
        take(session, coordinator, step_name, match.id)

    session.expire_all()
    assert match.state == state


# Expiry.


def test_expiry_ends_unanswered_proposals_past_the_limit(session, new_match):
    old = new_match(M.PROPOSED, proposed_at=NOW - timedelta(days=31))
    recent = new_match(M.PROPOSED, proposed_at=NOW - timedelta(days=29))
    disclosed = new_match(M.DISCLOSED, proposed_at=NOW - timedelta(days=60))

    assert expire_proposals(session, 30, now=NOW) == 1

    session.expire_all()
    assert [old.state, recent.state, disclosed.state] == [
        M.EXPIRED,
        M.PROPOSED,
        M.DISCLOSED,
    ]
    assert old.end_reason == "No answer within 30 days."
    [event] = events(session, old)
    assert (event.actor_id, event.from_state, event.to_state) == (
        None,
        "proposed",
        "expired",
    )


def test_expiry_with_one_side_consenting_still_expires(session, admin, new_match):
    match = new_match(M.PROPOSED, proposed_at=NOW - timedelta(days=40))
    record_consent(session, admin, match.id, CLIENT, GIVEN, Channel.PHONE)

    assert expire_proposals(session, 30, now=NOW) == 1

    session.expire_all()
    assert match.state == M.EXPIRED


def test_expiry_run_again_changes_nothing(session, new_match):
    match = new_match(M.PROPOSED, proposed_at=NOW - timedelta(days=31))
    expire_proposals(session, 30, now=NOW)

    assert expire_proposals(session, 30, now=NOW) == 0

    assert len(events(session, match)) == 1


def test_expiry_refuses_negative_days(session):
    with pytest.raises(InvalidValue, match="negative"):
        expire_proposals(session, -1, now=NOW)


def test_a_step_already_passed_says_where_the_match_is(session, admin, new_match):
    match = new_match(M.INVITED)

    with pytest.raises(TransitionRefused) as refused:
        hold_interview(session, admin, match.id)

    assert str(refused.value) == (
        "The match is already invited; an interview comes before that."
    )


@pytest.mark.parametrize("state", [s for s in M if s != M.PROPOSED])
def test_consent_is_withdrawn_only_while_proposed(session, admin, new_match, state):
    match = new_match(state)

    with pytest.raises(TransitionRefused):
        withdraw_consent(session, admin, match.id, CLIENT, Channel.PHONE)

    session.expire_all()
    assert match.state == state
    assert consents(session, match) == 0


# The steps the panel offers each member of staff.


def offered(actor, match) -> list[tuple[str, str | None]]:
    return [(step.name, step.side) for step in steps_open_to(actor, match)]


def test_a_proposed_match_offers_the_facilitator_the_client_side(
    session, facilitator, new_match
):
    match = new_match(M.PROPOSED)
    record_consent(session, facilitator, match.id, CLIENT, GIVEN, Channel.PHONE)

    assert offered(facilitator, match) == [
        ("record_consent", CLIENT),
        ("withdraw_consent", CLIENT),
        ("decline", None),
        ("withdraw", None),
    ]


def test_a_proposed_match_offers_the_coordinator_the_mentor_side(
    session, coordinator, new_match
):
    match = new_match(M.PROPOSED)

    assert offered(coordinator, match) == [
        ("record_consent", MENTOR),
        ("decline", MENTOR),
        ("withdraw", MENTOR),
    ]


@pytest.mark.parametrize(
    ("state", "step_name"),
    [
        (M.SHORTLISTED, "propose"),
        (M.DISCLOSED, "hold_interview"),
        (M.INTERVIEW, "invite"),
        (M.INVITED, "accept"),
        (M.ACCEPTED, "finalise"),
    ],
)
def test_each_state_offers_its_next_step_and_the_endings(
    session, admin, coordinator, new_match, state, step_name
):
    match = new_match(state)

    assert offered(admin, match) == [
        (step_name, None),
        ("decline", None),
        ("withdraw", None),
    ]
    assert offered(coordinator, match) == [("decline", MENTOR), ("withdraw", MENTOR)]


@pytest.mark.parametrize("state", [M.AGREED, *MATCH_STATES_ENDED])
def test_a_finished_match_offers_nothing(session, admin, new_match, state):
    assert offered(admin, new_match(state)) == []


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.FINANCE, Role.FACILITATOR])
def test_staff_outside_the_match_are_offered_nothing(session, new_match, role):
    match = new_match(M.PROPOSED)

    assert offered(make_user(session, role), match) == []


# Steps taken for several matches at once.


@pytest.mark.parametrize("step_name", BULK_STEPS)
def test_a_bulk_step_moves_every_selected_match(
    session, facilitator, new_match, step_name
):
    step = STEPS[step_name]
    matches = [new_match(step.from_states[0]) for _ in range(3)]

    take_step_for_all(session, facilitator, step_name, [m.id for m in matches])

    session.expire_all()
    assert [m.state for m in matches] == [step.to_state] * 3
    assert [len(events(session, m)) for m in matches] == [1, 1, 1]


def test_one_refusal_in_a_bulk_step_changes_nothing(session, facilitator, new_match):
    ready = new_match(M.SHORTLISTED)
    proposed = new_match(M.PROPOSED)

    with pytest.raises(TransitionRefused) as refused:
        take_step_for_all(session, facilitator, "propose", [ready.id, proposed.id])

    assert str(refused.value) == (
        f"Nothing was changed. Match {proposed.id}: The match is already proposed; "
        "only a shortlisted match is proposed."
    )
    session.expire_all()
    assert (ready.state, ready.proposed_at) == (M.SHORTLISTED, None)
    assert events(session, ready) == []


def test_a_bulk_step_counts_foreign_matches_without_naming_them(
    session, facilitator, new_match
):
    own = new_match(M.SHORTLISTED)
    foreign = new_match(M.SHORTLISTED)
    foreign.programme.facilitator = make_user(session, Role.FACILITATOR)
    session.commit()

    with pytest.raises(TransitionRefused) as refused:
        take_step_for_all(session, facilitator, "propose", [own.id, foreign.id, 999])

    assert str(refused.value) == (
        "Nothing was changed. 2 of the selected matches are not yours to change."
    )
    session.expire_all()
    assert (own.state, foreign.state) == (M.SHORTLISTED, M.SHORTLISTED)


def test_a_coordinator_takes_no_bulk_step(session, coordinator, new_match):
    match = new_match(M.SHORTLISTED)

    with pytest.raises(NotPermitted, match="mentor side only"):
        take_step_for_all(session, coordinator, "propose", [match.id])

    assert match.state == M.SHORTLISTED


@pytest.mark.parametrize("step_name", ["decline", "finalise", "disclose"])
def test_steps_that_need_more_are_not_taken_in_bulk(
    session, admin, new_match, step_name
):
    match = new_match(M.PROPOSED)

    with pytest.raises(TransitionRefused, match="not a step taken for several"):
        take_step_for_all(session, admin, step_name, [match.id])

    assert events(session, match) == []


@pytest.mark.parametrize("status", PAUSED_OR_OVER)
def test_a_paused_or_finished_programme_takes_no_match_further(
    session, facilitator, new_match, status
):
    match = new_match(M.SHORTLISTED)
    match.programme.status = status
    session.commit()

    with pytest.raises(TransitionRefused, match=f"{match.programme.reference} is"):
        propose(session, facilitator, match.id)

    session.expire_all()
    assert match.state == M.SHORTLISTED
    assert events(session, match) == []


@pytest.mark.parametrize("status", PAUSED_OR_OVER)
def test_a_paused_or_finished_programme_records_no_consent_but_a_refusal(
    session, facilitator, new_match, status
):
    match = new_match(M.PROPOSED)
    match.programme.status = status
    session.commit()

    with pytest.raises(TransitionRefused, match="Consent is refused"):
        record_consent(session, facilitator, match.id, CLIENT, GIVEN, Channel.PHONE)
    record_consent(session, facilitator, match.id, CLIENT, REFUSED, Channel.PHONE)

    session.expire_all()
    assert match.state == M.DECLINED


def test_a_match_of_a_finished_programme_can_still_be_ended(
    session, facilitator, new_match
):
    match = new_match(M.DISCLOSED)
    match.programme.status = ProgrammeStatus.COMPLETED
    session.commit()

    withdraw(session, facilitator, match.id, "The programme has ended")

    session.expire_all()
    assert match.state == M.WITHDRAWN


def test_role_and_need_stay_once_the_match_is_proposed(session, new_match):
    shortlisted = new_match(M.SHORTLISTED)
    shortlisted.role = PeerRole.COACH
    session.commit()
    proposed = new_match(M.PROPOSED)

    proposed.role = PeerRole.COACH
    with pytest.raises(RuleBroken, match="Role and need"):
        session.flush()
    session.rollback()

    session.expire_all()
    assert shortlisted.role == PeerRole.COACH
    assert proposed.role == PeerRole.MENTOR

"""Shortlists: scores and their reasons, exclusions, weights, roles and cost."""

import pytest
from sqlalchemy import event, func, select

from plp.enums import (
    Availability,
    MatchingCriterion,
    MatchState,
    PeerRole,
    ProgrammeStatus,
    Role,
    RolesOffered,
)
from plp.errors import InvalidValue, NotPermitted, RuleBroken
from plp.models import (
    AuditEvent,
    Match,
    MatchingWeight,
    Shortlist,
    ShortlistCandidate,
)
from plp.services.shortlists import (
    ALREADY_MATCHED,
    DECLINED_BEFORE,
    DEFAULT_WEIGHTS,
    DO_NOT_APPROACH,
    NO_FREE_CAPACITY,
    ROLE_NOT_OFFERED,
    UNAVAILABLE,
    add_candidate_to_matches,
    build_shortlist,
    current_weights,
    set_weights,
)
from tests.unit.factories import (
    make_agreement,
    make_assessment,
    make_client,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)

C = MatchingCriterion


@pytest.fixture
def facilitator(session):
    """Return the learning facilitator running the programme."""
    return make_user(session, Role.FACILITATOR)


@pytest.fixture
def admin(session):
    """Return an administrator."""
    return make_user(session, Role.ADMINISTRATOR)


@pytest.fixture
def programme(session, facilitator):
    """Return a programme in matching whose client speaks English and French."""
    client = make_client(session, languages="en, fr", region="West Africa")
    programme = make_programme(
        session, ProgrammeStatus.MATCHING, facilitator=facilitator, client=client
    )
    make_assessment(session, programme, ["Campaign strategy", "Media"])
    session.commit()
    return programme


def need_of(programme, area: str):
    return next(n for n in programme.assessment.needs if n.area == area)


def pool_member(session, **fields):
    """Make an available pool member offering both roles, in Western Europe."""
    values = {
        "expertise": "campaign strategy",
        "languages": "en",
        "region": "Western Europe",
        "capacity": 2,
        "roles_offered": RolesOffered.BOTH,
    }
    return make_mentor(session, **{**values, **fields})


def test_a_mentor_matching_expertise_and_language_but_not_region_scores_those_points(
    session, facilitator, programme
):
    mentor = pool_member(
        session,
        expertise=" Campaign STRATEGY ,fundraising",
        languages="de, FR",
        region="East Africa",
        capacity=3,
    )
    make_agreement(session, make_programme(session), mentor)
    session.commit()

    shortlist = build_shortlist(
        session,
        facilitator,
        programme.id,
        need_id=need_of(programme, "Campaign strategy").id,
        role=PeerRole.MENTOR,
        region="Western Europe",
    )

    [candidate] = shortlist.candidates
    assert candidate.mentor_id == mentor.id
    assert candidate.explanation == [
        {
            "criterion": "expertise",
            "weight": 40,
            "points": 40,
            "reason": "expertise matches Campaign strategy",
        },
        {
            "criterion": "languages",
            "weight": 20,
            "points": 20,
            "reason": "shares French",
        },
        {"criterion": "role", "weight": 10, "points": 10, "reason": "offers mentoring"},
        {
            "criterion": "region",
            "weight": 10,
            "points": 0,
            "reason": "region East Africa, not Western Europe as preferred",
        },
        # Two of three places free earn two thirds of 10, rounded down.
        {
            "criterion": "free capacity",
            "weight": 10,
            "points": 6,
            "reason": "2 of 3 places free",
        },
        {
            "criterion": "availability",
            "weight": 10,
            "points": 10,
            "reason": "available",
        },
    ]
    assert candidate.score == 86
    assert candidate.rank == 1


def test_without_a_need_every_need_of_the_assessment_counts(
    session, facilitator, programme
):
    pool_member(
        session,
        expertise="media",
        languages="es",
        roles_offered=RolesOffered.COACH,
        availability=Availability.LIMITED,
        capacity=1,
    )
    session.commit()

    shortlist = build_shortlist(session, facilitator, programme.id)

    reasons = {e["criterion"]: (e["points"], e["reason"]) for e in _only(shortlist)}
    assert reasons == {
        "expertise": (
            20,
            "expertise matches Media (1 of 2 areas; not Campaign strategy)",
        ),
        "languages": (0, "shares no language with the client"),
        "role": (5, "offers coaching only"),
        "region": (10, "no region preferred"),
        "free capacity": (10, "1 of 1 place free"),
        "availability": (5, "limited availability"),
    }
    assert shortlist.candidates[0].score == 50


def test_candidates_are_ranked_by_score_then_alias_code(
    session, facilitator, programme
):
    later = pool_member(session, alias_code="M-BBBB-0001")
    earlier = pool_member(session, alias_code="M-AAAA-0001")
    best = pool_member(session, alias_code="M-ZZZZ-0001", languages="en, fr")
    best.expertise = "campaign strategy, media"
    weaker = pool_member(session, alias_code="M-0000-0001", expertise="policy")
    session.commit()

    shortlist = build_shortlist(session, facilitator, programme.id)

    ranked = [(c.rank, c.mentor_id, c.score) for c in shortlist.candidates]
    assert ranked == [
        (1, best.id, 100),
        (2, earlier.id, 80),
        (3, later.id, 80),
        (4, weaker.id, 60),
    ]


def test_each_reason_for_leaving_a_mentor_out_is_counted(
    session, facilitator, programme
):
    pool_member(session, do_not_approach=True)
    make_match(session, programme, pool_member(session), MatchState.PROPOSED)
    make_match(session, programme, pool_member(session), MatchState.AGREED)
    make_match(session, programme, pool_member(session), MatchState.DECLINED)
    pool_member(session, availability=Availability.UNAVAILABLE)
    full = pool_member(session, capacity=1)
    make_agreement(session, make_programme(session), full)
    pool_member(session, roles_offered=RolesOffered.COACH)
    pool_member(session, capacity=0)
    # Ended elsewhere or withdrawn here: still approachable.
    withdrawn = pool_member(session)
    make_match(session, programme, withdrawn, MatchState.WITHDRAWN)
    kept = pool_member(session)
    session.commit()

    shortlist = build_shortlist(session, facilitator, programme.id, role="mentor")

    assert shortlist.pool_size == 10
    assert shortlist.exclusions == {
        DO_NOT_APPROACH: 1,
        ALREADY_MATCHED: 2,
        DECLINED_BEFORE: 1,
        UNAVAILABLE: 1,
        NO_FREE_CAPACITY: 2,
        ROLE_NOT_OFFERED: 1,
    }
    assert sorted(c.mentor_id for c in shortlist.candidates) == sorted(
        [withdrawn.id, kept.id]
    )


def test_the_limit_keeps_only_the_best_candidates(session, facilitator, programme):
    for number in range(5):
        pool_member(session, alias_code=f"M-TEST-000{number}")
    session.commit()

    shortlist = build_shortlist(session, facilitator, programme.id, limit=2)

    assert shortlist.pool_size == 5
    assert [c.rank for c in shortlist.candidates] == [1, 2]


def test_a_saved_shortlist_keeps_its_weights_and_reasons_after_they_change(
    session, admin, facilitator, programme
):
    pool_member(session, expertise="policy")
    session.commit()
    first = build_shortlist(session, facilitator, programme.id)
    before = [dict(entry) for entry in _only(first)]

    set_weights(session, admin, {"expertise": 0, "languages": "60"})
    session.expire_all()
    second = build_shortlist(session, facilitator, programme.id)

    kept = session.get(Shortlist, first.id)
    assert kept.weights == {c.value: w for c, w in DEFAULT_WEIGHTS.items()}
    assert _only(kept) == before
    assert kept.candidates[0].score == 60
    assert second.weights["expertise"] == 0
    assert second.weights["languages"] == 60
    assert second.candidates[0].score == 100


def test_only_an_administrator_changes_the_weights(session, facilitator):
    with pytest.raises(NotPermitted, match="facilitator may not change"):
        set_weights(session, facilitator, {"expertise": 50})

    assert session.scalar(select(func.count(MatchingWeight.id))) == 0


def test_bad_weights_are_each_named_and_none_is_saved(session, admin):
    with pytest.raises(InvalidValue) as refused:
        set_weights(
            session,
            admin,
            {
                "expertise": "a lot",
                "languages": 150,
                "region": 2.5,
                "colour": 5,
                "role": -1,
                "availability": 30,
            },
        )

    message = str(refused.value)
    assert "Expertise: a lot is not a whole number" in message
    assert "Languages: 150 is outside 0 to 100" in message
    assert "Region: 2.5 is not a whole number" in message
    assert "'colour' is not a matching criterion" in message
    assert "Role: -1 is outside 0 to 100" in message
    assert "Availability" not in message
    assert session.scalar(select(func.count(MatchingWeight.id))) == 0
    assert current_weights(session) == DEFAULT_WEIGHTS


def test_weights_cannot_all_be_zero(session, admin):
    with pytest.raises(InvalidValue, match="at least one criterion"):
        set_weights(session, admin, dict.fromkeys(MatchingCriterion, 0))

    assert current_weights(session) == DEFAULT_WEIGHTS


def test_new_weights_are_stored_and_audited(session, admin):
    weights = set_weights(session, admin, {"expertise": "55", C.CAPACITY: 0})

    assert weights[C.EXPERTISE] == 55
    assert weights[C.LANGUAGES] == DEFAULT_WEIGHTS[C.LANGUAGES]
    assert current_weights(session) == weights
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "MatchingWeight")
    ).all()
    assert sorted((e.note, e.from_state, e.to_state) for e in events) == [
        ("expertise", "40", "55"),
        ("free capacity", "10", "0"),
    ]


def test_a_facilitator_cannot_build_for_another_facilitators_programme(
    session, programme
):
    other = make_user(session, Role.FACILITATOR)
    session.commit()

    with pytest.raises(NotPermitted) as foreign:
        build_shortlist(session, other, programme.id)
    with pytest.raises(NotPermitted) as missing:
        build_shortlist(session, other, 999999)

    assert str(foreign.value) == f"Programme {programme.id} is not yours to match."
    assert str(missing.value) == "Programme 999999 is not yours to match."
    assert session.scalar(select(func.count(Shortlist.id))) == 0


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DIRECTOR, Role.FINANCE])
def test_other_roles_cannot_build_shortlists(session, programme, role):
    with pytest.raises(NotPermitted, match="may not build shortlists"):
        build_shortlist(session, make_user(session, role), programme.id)


def test_an_administrator_builds_for_any_programme(session, admin, programme):
    pool_member(session)
    session.commit()

    shortlist = build_shortlist(session, admin, programme.id)

    assert shortlist.built_by_id == admin.id
    assert len(shortlist.candidates) == 1


def test_the_need_must_be_the_programmes_own(session, facilitator, programme):
    elsewhere = make_programme(session, facilitator=facilitator)
    foreign_need = make_assessment(session, elsewhere, ["Policy"]).needs[0]
    session.commit()

    with pytest.raises(InvalidValue, match="is not one of"):
        build_shortlist(session, facilitator, programme.id, need_id=foreign_need.id)


def test_an_ended_programme_gets_no_shortlist(session, facilitator, programme):
    programme.status = ProgrammeStatus.WITHDRAWN
    session.commit()

    with pytest.raises(RuleBroken, match="withdrawn"):
        build_shortlist(session, facilitator, programme.id)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"role": "chaperone"}, "Role: chaperone is not a role"),
        ({"region": "Atlantis"}, "Region: Atlantis is not one of"),
        ({"limit": 0}, "Limit: 0 is outside"),
    ],
)
def test_choices_outside_the_vocabulary_are_refused(
    session, facilitator, programme, choice, message
):
    with pytest.raises(InvalidValue, match=message):
        build_shortlist(session, facilitator, programme.id, **choice)


def _build_counting_queries(session, facilitator, programme, pool: int) -> int:
    for _ in range(pool):
        pool_member(session)
    session.commit()
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        shortlist = build_shortlist(session, facilitator, programme.id, limit=5)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(shortlist.candidates) == 5
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_pool(
    session, facilitator, programme
):
    small = _build_counting_queries(session, facilitator, programme, 5)
    large = _build_counting_queries(session, facilitator, programme, 45)

    assert small == large


def test_a_candidate_is_added_to_the_programmes_matches(
    session, facilitator, programme
):
    mentor = pool_member(session)
    session.commit()
    need = need_of(programme, "Media")
    shortlist = build_shortlist(
        session, facilitator, programme.id, need_id=need.id, role="coach"
    )

    match = add_candidate_to_matches(session, facilitator, shortlist.candidates[0].id)

    assert (match.programme_id, match.mentor_id, match.need_id) == (
        programme.id,
        mentor.id,
        need.id,
    )
    assert (match.role, match.state) == (PeerRole.COACH, MatchState.SHORTLISTED)
    assert match.shortlist_id == shortlist.id
    event_row = session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "Match", AuditEvent.entity_id == match.id
        )
    ).one()
    assert event_row.action == "shortlisted"
    assert event_row.note == f"from shortlist {shortlist.id}, rank 1"


def test_a_candidate_already_matched_is_not_added_twice(
    session, facilitator, programme
):
    pool_member(session)
    session.commit()
    shortlist = build_shortlist(session, facilitator, programme.id, role="mentor")
    candidate_id = shortlist.candidates[0].id
    add_candidate_to_matches(session, facilitator, candidate_id)

    with pytest.raises(RuleBroken, match="already matched with"):
        add_candidate_to_matches(session, facilitator, candidate_id)

    assert session.scalar(select(func.count(Match.id))) == 1


def test_a_candidate_needs_a_role_the_mentor_offers(session, facilitator, programme):
    pool_member(session, roles_offered=RolesOffered.MENTOR)
    session.commit()
    shortlist = build_shortlist(session, facilitator, programme.id)
    candidate_id = shortlist.candidates[0].id

    with pytest.raises(InvalidValue, match="as mentor or as coach"):
        add_candidate_to_matches(session, facilitator, candidate_id)
    with pytest.raises(RuleBroken, match="does not offer coaching"):
        add_candidate_to_matches(session, facilitator, candidate_id, role="coach")

    assert session.scalar(select(func.count(Match.id))) == 0


def test_another_facilitator_cannot_add_a_candidate(session, facilitator, programme):
    pool_member(session)
    session.commit()
    shortlist = build_shortlist(session, facilitator, programme.id, role="mentor")
    other = make_user(session, Role.FACILITATOR)
    session.commit()

    with pytest.raises(NotPermitted, match="is not yours to add"):
        add_candidate_to_matches(session, other, shortlist.candidates[0].id)
    with pytest.raises(NotPermitted, match="may not build shortlists"):
        add_candidate_to_matches(
            session, make_user(session, Role.COORDINATOR), shortlist.candidates[0].id
        )

    assert session.scalar(select(func.count(Match.id))) == 0


def test_shortlists_and_their_candidates_are_never_changed(
    session, facilitator, programme
):
    pool_member(session)
    session.commit()
    shortlist = build_shortlist(session, facilitator, programme.id)

    shortlist.candidates[0].score = 1
    with pytest.raises(RuleBroken, match="cannot be changed"):
        session.commit()
    session.rollback()

    assert session.scalar(select(ShortlistCandidate.score)) == 80


def _only(shortlist) -> list[dict]:
    [candidate] = shortlist.candidates
    return candidate.explanation

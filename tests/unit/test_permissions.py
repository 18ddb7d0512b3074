"""Who sees which rows: scope_query for every model and every role."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from plp.db import Base
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    Channel,
    ConsentDecision,
    ConsentSide,
    MatchingCriterion,
    MatchState,
    ProgressRating,
    Role,
    SessionMode,
)
from plp.models import (
    AgendaItem,
    AuditEvent,
    BudgetRevision,
    CheckIn,
    Consent,
    ExchangeRate,
    Expense,
    FundingApplication,
    MatchingWeight,
    MentoringSession,
    ProgressUpdate,
    Seminar,
    SeminarEnrolment,
    SeminarInterest,
    Shortlist,
    ShortlistCandidate,
)
from plp.permissions import (
    CONSENT_SIDE_OF,
    may_manage_programme,
    may_see_mentor_identity,
    mentor_ids_disclosed_to,
    scope_query,
)
from tests.unit.factories import (
    make_agenda,
    make_agreement,
    make_assessment,
    make_budget,
    make_client,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)

ON = date(2026, 3, 1)

EVERY_MODEL = sorted(
    (mapper.class_ for mapper in Base.registry.mappers), key=lambda m: m.__name__
)

# Records of no programme that every role but the director sees whole.
POOL_AND_STAFF = ("Mentor", "User")
# Records of no programme that every role sees whole.
SHARED = ("Seminar", "ExchangeRate", "MatchingWeight")


class School:
    """A small School: two facilitators' programmes with one of everything."""

    def __init__(self, session):
        self.session = session
        self.owner: dict[tuple[str, int], str | None] = {}
        # The session holds records weakly; keep them until they are sorted.
        self.kept: list = []
        self.staff = {role: make_user(session, role) for role in Role}
        self.other_facilitator = make_user(session, Role.FACILITATOR)
        self.seminar = self._shared(
            Seminar(title="Campaigning", starts_on=ON, ends_on=ON, currency="EUR")
        )
        self._shared(MatchingWeight(criterion=MatchingCriterion.EXPERTISE, weight=40))
        self._shared(
            ExchangeRate(
                currency="EUR",
                reporting_currency="GBP",
                rate=Decimal("0.85"),
                valid_from=ON,
            )
        )
        self.programme_of(self.staff[Role.FACILITATOR], "own")
        self.programme_of(self.other_facilitator, "other")
        self.kept += [*self.staff.values(), self.other_facilitator]
        self.note(make_client(session), "enquirer")
        self._audit(self.staff[Role.FACILITATOR], "own")
        self._audit(self.staff[Role.ADMINISTRATOR], "admin")
        session.commit()
        for obj in self.kept:
            self.owner.setdefault(_key(obj), None)

    def programme_of(self, facilitator, owner: str) -> None:
        """Give a facilitator a programme with one record of every kind."""
        session = self.session
        programme = make_programme(session, facilitator=facilitator)
        need = make_assessment(session, programme, ["media"]).needs[0]
        budget = make_budget(session, programme, ["800.00"], agreed=True)
        item = make_agenda(session, programme, ["100.00"]).items[0]
        item.need = need
        agreement = make_agreement(session, programme, make_mentor(session))
        finance = self.staff[Role.FINANCE]
        records = [
            BudgetRevision(
                budget=budget,
                amount_change=Decimal("50.00"),
                reason="More",
                approved_by=finance,
                approved_on=ON,
            ),
            ProgressUpdate(item=item, percent_done=20),
            *(
                Consent(
                    match=agreement.match,
                    side=side,
                    decision=ConsentDecision.GIVEN,
                    channel=Channel.MEETING,
                )
                for side in ConsentSide
            ),
            MentoringSession(agreement=agreement, held_on=ON, mode=SessionMode.VIDEO),
            CheckIn(programme=programme, held_on=ON, rating=ProgressRating.ON_TRACK),
            Expense(
                programme=programme,
                incurred_on=ON,
                amount=Decimal("10.00"),
                payee="Airline",
            ),
            FundingApplication(
                programme=programme, funder="A Trust", amount_asked=Decimal("500.00")
            ),
            SeminarEnrolment(seminar=self.seminar, programme=programme, enrolled_on=ON),
            SeminarInterest(programme=programme, topic="Media", expressed_on=ON),
            Shortlist(
                programme=programme,
                weights={},
                candidates=[
                    ShortlistCandidate(
                        mentor=agreement.mentor, rank=1, score=10, explanation=[]
                    )
                ],
            ),
        ]
        session.add_all(records)
        session.flush()
        for obj in [*session.identity_map.values()]:
            self.kept.append(obj)
            if _key(obj) not in self.owner and not isinstance(obj, _GLOBAL):
                self.owner[_key(obj)] = owner

    def note(self, obj, owner: str) -> None:
        """Record whose work a record belongs to."""
        self.owner[_key(obj)] = owner

    def ids_of(self, model, owners: set) -> set[int]:
        """Return the ids of a model's rows that belong to these owners."""
        return {
            row_id
            for (name, row_id), owner in self.owner.items()
            if name == model.__name__ and owner in owners
        }

    def _shared(self, obj):
        self.session.add(obj)
        self.session.flush()
        self.kept.append(obj)
        return obj

    def _audit(self, actor, owner: str) -> None:
        audit = AuditEvent(
            actor=actor, entity_type="Programme", entity_id=1, action="x"
        )
        self.session.add(audit)
        self.session.flush()
        self.kept.append(audit)
        self.note(audit, owner)


def _key(obj) -> tuple[str, int]:
    return type(obj).__name__, obj.id


# Records that belong to no programme, whatever was made alongside them.
_GLOBAL = tuple(
    model
    for model in EVERY_MODEL
    if model.__name__ in (*POOL_AND_STAFF, *SHARED, "AuditEvent")
)


def expected_ids(school: School, model, role: Role) -> set[int]:
    """Return the rows a role should see: what the School's rules say."""
    everything = school.ids_of(model, {"own", "other", "enquirer", "admin", None})
    name = model.__name__
    if role == Role.ADMINISTRATOR:
        return everything
    if name == "AuditEvent":
        return school.ids_of(model, {"own"}) if role == Role.FACILITATOR else set()
    if name in SHARED:
        return everything
    if name in POOL_AND_STAFF:
        return set() if role == Role.DIRECTOR else everything
    if name == "Consent" and role in CONSENT_SIDE_OF:
        sides = {c.id: c.side for c in school.session.scalars(select(Consent))}
        everything = {i for i in everything if sides[i] == CONSENT_SIDE_OF[role]}
    if role in (Role.FINANCE, Role.COORDINATOR):
        return everything
    if role == Role.FACILITATOR:
        mine = {"own", "enquirer"} if name == "Client" else {"own"}
        return school.ids_of(model, mine) & everything
    return set()


@pytest.fixture
def school(session) -> School:
    """Return a School with one record of every kind for two facilitators."""
    return School(session)


def test_the_school_holds_a_record_of_every_kind(school):
    for model in EVERY_MODEL:
        assert school.ids_of(model, {"own", "other", "enquirer", "admin", None}), (
            f"the test School has no {model.__name__}: add one so its scope is tested"
        )


def test_the_facilitators_own_and_other_records_are_told_apart(school):
    for model in (
        ProgressUpdate,
        MentoringSession,
        BudgetRevision,
        ShortlistCandidate,
    ):
        assert len(school.ids_of(model, {"own"})) == 1
        assert len(school.ids_of(model, {"other"})) == 1
    assert len(school.ids_of(Consent, {"own"})) == 2


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_the_rows_its_work_covers(session, school, role):
    user = school.staff[role]

    wrong = {}
    for model in EVERY_MODEL:
        query = scope_query(select(model.id), model, user)
        seen = set(session.execute(query).scalars())
        expected = expected_ids(school, model, role)
        if seen != expected:
            wrong[model.__name__] = {"seen": seen, "expected": expected}

    assert wrong == {}


def test_a_facilitator_sees_nested_records_of_their_own_programmes_only(
    session, school
):
    facilitator = school.staff[Role.FACILITATOR]

    for model in (ProgressUpdate, MentoringSession, AgendaItem):
        query = scope_query(select(model), model, facilitator)
        rows = session.execute(query).scalars().all()
        assert len(rows) == 1
        assert (model.__name__, rows[0].id) in {
            key for key, owner in school.owner.items() if owner == "own"
        }


def test_only_administrators_and_the_programmes_facilitator_manage_it(session, school):
    programme = make_programme(session, facilitator=school.staff[Role.FACILITATOR])

    managers = {
        role for role in Role if may_manage_programme(school.staff[role], programme)
    }

    assert managers == {Role.ADMINISTRATOR, Role.FACILITATOR}
    assert not may_manage_programme(school.other_facilitator, programme)


# Who may see a mentor's identity


@pytest.fixture
def pool(session):
    """Return a facilitator, another, and a mentor matched at every state."""
    facilitator = make_user(session, Role.FACILITATOR)
    other = make_user(session, Role.FACILITATOR)
    own = make_programme(session, facilitator=facilitator)
    mentors = {state: make_mentor(session) for state in MatchState}
    for state, mentor in mentors.items():
        make_match(session, own, mentor, state)
    elsewhere = make_mentor(session)
    make_match(session, make_programme(session, facilitator=other), elsewhere)
    session.commit()
    return facilitator, other, mentors, elsewhere


@pytest.mark.parametrize("state", list(MatchState))
def test_a_facilitator_sees_a_mentor_only_once_their_own_match_is_disclosed(
    session, pool, state
):
    facilitator, _, mentors, _ = pool

    seen = may_see_mentor_identity(session, facilitator, mentors[state])

    assert seen is (state in MATCH_STATES_DISCLOSED)


@pytest.mark.parametrize(
    "state", [MatchState.DECLINED, MatchState.WITHDRAWN, MatchState.EXPIRED]
)
def test_a_disclosure_stays_once_the_introduction_has_ended(session, pool, state):
    facilitator, _, _, _ = pool
    mentor = make_mentor(session)
    programme = make_programme(session, facilitator=facilitator)
    make_match(session, programme, mentor, state, ended_after_disclosure=True)
    session.commit()

    assert may_see_mentor_identity(session, facilitator, mentor)


def test_a_facilitator_never_sees_a_mentor_disclosed_in_someone_elses_programme(
    session, pool
):
    facilitator, other, _, elsewhere = pool

    assert may_see_mentor_identity(session, other, elsewhere)
    assert not may_see_mentor_identity(session, facilitator, elsewhere)


def test_a_disclosure_elsewhere_does_not_open_a_mentor_undisclosed_here(session, pool):
    facilitator, other, mentors, _ = pool
    proposed = mentors[MatchState.PROPOSED]
    make_match(session, make_programme(session, facilitator=other), proposed)

    assert may_see_mentor_identity(session, other, proposed)
    assert not may_see_mentor_identity(session, facilitator, proposed)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.COORDINATOR, True),
        (Role.DIRECTOR, False),
        (Role.FINANCE, False),
    ],
)
def test_the_pool_is_seen_whole_by_administrators_and_coordinators_only(
    session, pool, role, sees
):
    user = make_user(session, role)
    _, _, mentors, elsewhere = pool
    unmatched = make_mentor(session)

    seen = {
        may_see_mentor_identity(session, user, mentor)
        for mentor in [*mentors.values(), elsewhere, unmatched]
    }

    assert seen == {sees}


def test_the_mentors_disclosed_to_a_facilitator_are_read_in_one_query(session, pool):
    facilitator, _, mentors, _ = pool
    expected = {mentors[state].id for state in MATCH_STATES_DISCLOSED}
    assert facilitator.role == Role.FACILITATOR
    statements = []

    def count(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(session.bind, "before_cursor_execute", count)
    try:
        disclosed = mentor_ids_disclosed_to(session, facilitator)
    finally:
        event.remove(session.bind, "before_cursor_execute", count)

    assert disclosed == expected
    assert len(statements) == 1


def test_a_list_checks_each_mentor_against_the_ids_it_read_once(session, pool):
    facilitator, _, mentors, elsewhere = pool
    disclosed = mentor_ids_disclosed_to(session, facilitator)

    seen = [
        mentor.alias_code
        for mentor in [*mentors.values(), elsewhere]
        if may_see_mentor_identity(session, facilitator, mentor, disclosed)
    ]

    assert seen == [mentors[state].alias_code for state in MATCH_STATES_DISCLOSED]


def test_nobody_but_a_facilitator_has_mentors_disclosed_to_them(session, pool):
    coordinator = make_user(session, Role.COORDINATOR)

    assert mentor_ids_disclosed_to(session, coordinator) == frozenset()

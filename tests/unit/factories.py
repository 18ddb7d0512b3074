"""Factories that make a School's records for unit tests, flushed and valid."""

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count

from sqlalchemy.orm import Session

from plp.enums import (
    MATCH_STATES_DISCLOSED,
    ActivityType,
    AgreementStatus,
    BudgetCategory,
    MatchState,
    PeerRole,
    ProgrammeStatus,
    Role,
    RolesOffered,
)
from plp.models import (
    AgendaItem,
    Agreement,
    Budget,
    BudgetLine,
    Client,
    LearningAgenda,
    Match,
    Mentor,
    Need,
    NeedsAssessment,
    Programme,
    User,
)

_serial = count(1)

# When the factories' disclosed introductions released their identities.
DISCLOSED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

AGREED_ON = date(2026, 1, 15)


def make_user(session: Session, role: Role = Role.FACILITATOR, **fields) -> User:
    """Make a member of staff with a role."""
    number = next(_serial)
    values = {
        "email": f"{role.value}{number}@school.example.org",
        "name": f"{role.value.capitalize()} {number}",
        "role": role,
        "password_hash": "not a real hash",
        **fields,
    }
    return _saved(session, User(**values))


def make_client(session: Session, **fields) -> Client:
    """Make a client."""
    number = next(_serial)
    values = {"name": f"Client {number}", "email": f"client{number}@example.org"}
    return _saved(session, Client(**{**values, **fields}))


def make_programme(
    session: Session,
    status: ProgrammeStatus = ProgrammeStatus.ENQUIRY,
    facilitator: User | None = None,
    client: Client | None = None,
    **fields,
) -> Programme:
    """Make a programme at a status; an active one gets what activity needs."""
    programme = Programme(
        client=client or make_client(session),
        facilitator=facilitator,
        **{"currency": "GBP", **fields},
    )
    session.add(programme)
    if status in (ProgrammeStatus.ACTIVE, ProgrammeStatus.COMPLETED):
        programme.facilitator = facilitator or make_user(session)
        make_budget(session, programme, ["1000.00"], agreed=True)
    programme.status = status
    session.flush()
    return programme


def make_budget(
    session: Session, programme: Programme, amounts=(), agreed: bool = False
) -> Budget:
    """Make a programme's budget with one line per amount, agreed if asked."""
    budget = Budget(programme=programme)
    for number, amount in enumerate(amounts, start=1):
        BudgetLine(
            budget=budget,
            category=BudgetCategory.MENTORING,
            description=f"Line {number}",
            amount=Decimal(amount),
        )
    if agreed:
        budget.agreed_total = sum((line.amount for line in budget.lines), Decimal(0))
        budget.agreed_on = AGREED_ON
    return _saved(session, budget)


def make_agenda(session: Session, programme: Programme, costs=()) -> LearningAgenda:
    """Make a programme's learning agenda with one item per cost."""
    agenda = LearningAgenda(programme=programme, title="Campaign road map")
    for number, cost in enumerate(costs, start=1):
        AgendaItem(
            agenda=agenda,
            title=f"Milestone {number}",
            activity_type=ActivityType.MENTORING,
            cost=Decimal(cost),
        )
    return _saved(session, agenda)


def make_assessment(
    session: Session, programme: Programme, areas=()
) -> NeedsAssessment:
    """Make a programme's needs assessment with one need per area."""
    assessment = NeedsAssessment(programme=programme)
    for area in areas:
        Need(assessment=assessment, area=area)
    return _saved(session, assessment)


def make_plan(
    session: Session, programme: Programme, agenda: bool = True
) -> NeedsAssessment:
    """Give a programme a needs assessment with a need, and an agenda with an item.

    What drafting a budget and activating a programme need first.
    """
    assessment = make_assessment(session, programme, ["Campaigning"])
    if agenda:
        make_agenda(session, programme, ["100.00"])
    return assessment


def make_mentor(session: Session, capacity: int = 1, **fields) -> Mentor:
    """Make a member of the mentor and coach pool."""
    number = next(_serial)
    values = {
        "name": f"Mentor {number}",
        "email": f"mentor{number}@example.net",
        "roles_offered": RolesOffered.BOTH,
        "capacity": capacity,
    }
    return _saved(session, Mentor(**{**values, **fields}))


def make_match(
    session: Session,
    programme: Programme,
    mentor: Mentor,
    state: MatchState = MatchState.ACCEPTED,
    ended_after_disclosure: bool = False,
) -> Match:
    """Make an introduction between a programme and a mentor at a state.

    A match at a disclosed state, or one `ended_after_disclosure`, carries
    the moment its identities were disclosed.
    """
    match = Match(programme=programme, mentor=mentor, role=PeerRole.MENTOR, state=state)
    if state in MATCH_STATES_DISCLOSED or ended_after_disclosure:
        match.disclosed_at = DISCLOSED_AT
    return _saved(session, match)


def make_agreement(
    session: Session,
    programme: Programme,
    mentor: Mentor,
    status: AgreementStatus = AgreementStatus.ACTIVE,
) -> Agreement:
    """Make a finalised agreement, with the match it comes from."""
    return _saved(session, new_agreement(session, programme, mentor, status))


def new_agreement(
    session: Session,
    programme: Programme,
    mentor: Mentor,
    status: AgreementStatus = AgreementStatus.ACTIVE,
) -> Agreement:
    """Add an agreement and its match to the session without flushing them."""
    match = Match(
        programme=programme,
        mentor=mentor,
        role=PeerRole.MENTOR,
        state=MatchState.AGREED,
        disclosed_at=DISCLOSED_AT,
    )
    agreement = Agreement(
        match=match,
        programme=programme,
        mentor=mentor,
        role=PeerRole.MENTOR,
        status=status,
    )
    session.add(agreement)
    return agreement


def _saved(session: Session, obj):
    session.add(obj)
    session.flush()
    return obj

"""Factories that build a School's records through the models, for panel tests."""

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from itertools import count

import pytest
from werkzeug.datastructures import MultiDict

from admin.extensions import db, limiter
from app import create_app
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    ActivityType,
    AgreementStatus,
    BudgetCategory,
    Channel,
    ConsentDecision,
    ConsentSide,
    FundingStatus,
    MatchState,
    PeerRole,
    Priority,
    ProgrammeStatus,
    ProgressRating,
    Role,
    RolesOffered,
    SessionMode,
)
from plp.models import (
    AgendaItem,
    Agreement,
    AuditEvent,
    Budget,
    BudgetLine,
    BudgetRevision,
    CheckIn,
    Client,
    Consent,
    ExchangeRate,
    Expense,
    FundingApplication,
    LearningAgenda,
    Match,
    Mentor,
    MentoringSession,
    Need,
    NeedsAssessment,
    Programme,
    ProgressUpdate,
    Seminar,
    SeminarEnrolment,
    SeminarInterest,
    User,
)
from tests.conftest import empty_all_tables

_serial = count(1)

# A mentor's identity, spelt so that any leak of it is unmistakable in a page.
MENTOR_IDENTITY = {
    "name": "Wilhelmina Quargstone",
    "email": "w.quargstone@mentors.example.org",
    "phone": "+31 6 4477 1290",
    "country": "Netherlands",
    "address": "Keizersgracht 4471, Amsterdam",
    "employer_or_party": "Partij voor Quargstone",
    "biography": "Thirty years a councillor in Quarg",
    "links": "https://quargstone.example.org",
}


@pytest.fixture(scope="module")
def panel(database_url):
    """Create the application once for a whole module of panel tests.

    Building two dozen admin views takes a quarter of a second; tests that
    each start from an empty database need not pay it every time.
    """
    panel = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test secret",
            "PLP_LOGIN_RATE_LIMIT": "10000/minute",
        }
    )
    yield panel
    with panel.app_context():
        db.engine.dispose()


@pytest.fixture
def app(panel):
    """Give each test the module's application, an empty database and a fresh
    application context.

    Import this fixture into a test module to use it there instead of the
    one that creates an application for every test.
    """
    with panel.app_context():
        yield panel
        db.session.remove()
        with db.engine.begin() as connection:
            empty_all_tables(connection)
    limiter.reset()


def make_user(session, role: Role, **fields) -> User:
    """Make a member of staff with a role (who cannot sign in)."""
    number = next(_serial)
    values = {
        "email": f"{role.value}{number}@school.example.org",
        "name": f"{role.value.capitalize()} {number}",
        "role": role,
        "password_hash": "not a real hash",
    }
    user = User(**{**values, **fields})
    session.add(user)
    session.flush()
    return user


def make_client(session, **fields) -> Client:
    """Make a client."""
    number = next(_serial)
    values = {
        "name": f"Client Number{number}",
        "email": f"client{number}@example.org",
        "region": "West Africa",
        "languages": "en, fr",
    }
    client = Client(**{**values, **fields})
    session.add(client)
    session.flush()
    return client


def make_programme(session, facilitator: User | None, **fields) -> Programme:
    """Make a programme at the enquiry stage, for a new client unless one is given."""
    values = {"client": None, "currency": "EUR", "start_date": date(2026, 2, 1)}
    values.update(fields)
    if values["client"] is None:
        values["client"] = make_client(session)
    programme = Programme(facilitator=facilitator, **values)
    session.add(programme)
    session.flush()
    return programme


def make_mentor(session, **fields) -> Mentor:
    """Make a member of the mentor pool, available for one client."""
    number = next(_serial)
    values = {
        "name": f"Mentor Number{number}",
        "email": f"mentor{number}@mentors.example.org",
        "roles_offered": RolesOffered.BOTH,
        "expertise": "campaigning, media",
        "languages": "en",
        "region": "Western Europe",
        "capacity": 2,
    }
    mentor = Mentor(**{**values, **fields})
    session.add(mentor)
    session.flush()
    return mentor


def make_agreed_budget(session, programme: Programme, *amounts: str) -> Budget:
    """Make a budget with one line per amount, agreed at their total."""
    lines = [
        BudgetLine(category=BudgetCategory.MENTORING, description=f"Line {n}", amount=a)
        for n, a in enumerate(amounts, start=1)
    ]
    total = sum((Decimal(amount) for amount in amounts), Decimal("0.00"))
    budget = Budget(
        programme=programme,
        lines=lines,
        agreed_total=total,
        agreed_on=date(2026, 1, 20),
    )
    session.add(budget)
    session.flush()
    return budget


@dataclass
class School:
    """One programme with a record of every kind, and the people around it."""

    facilitator: User
    approver: User
    client: Client
    programme: Programme
    assessment: NeedsAssessment
    need: Need
    budget: Budget
    line: BudgetLine
    revision: BudgetRevision
    agenda: LearningAgenda
    item: AgendaItem
    progress: ProgressUpdate
    mentor: Mentor
    match: Match
    consent: Consent
    agreement: Agreement
    mentoring_session: MentoringSession
    check_in: CheckIn
    expense: Expense
    funding: FundingApplication
    seminar: Seminar
    enrolment: SeminarEnrolment
    interest: SeminarInterest
    rate: ExchangeRate
    audit_event: AuditEvent

    def record_for(self, endpoint: str):
        """Return the record a view of this endpoint shows."""
        return getattr(self, RECORD_OF_ENDPOINT[endpoint])


RECORD_OF_ENDPOINT = {
    "client": "client",
    "programme": "programme",
    "check_in": "check_in",
    "needs_assessment": "assessment",
    "learning_agenda": "agenda",
    "agenda_item": "item",
    "progress_update": "progress",
    "mentor": "mentor",
    "mentor_profile": "mentor",
    "match": "match",
    "introduction": "match",
    "consent": "consent",
    "agreement": "agreement",
    "budget": "budget",
    "budget_revision": "revision",
    "expense": "expense",
    "funding_application": "funding",
    "exchange_rate": "rate",
    "seminar": "seminar",
    "seminar_enrolment": "enrolment",
    "seminar_interest": "interest",
    "user": "facilitator",
    "audit_event": "audit_event",
}


def build_school(
    session, facilitator: User | None = None, mentor: Mentor | None = None
) -> School:
    """Build an active programme with a record of every kind, and commit it."""
    facilitator = facilitator or make_user(session, Role.FACILITATOR)
    approver = make_user(session, Role.FINANCE)
    programme = make_programme(
        session, facilitator, campaign="Mayoral race", target_end_date=date(2027, 1, 31)
    )
    need = Need(area="Public speaking", priority=Priority.HIGH)
    assessment = NeedsAssessment(
        programme=programme, assessed_on=date(2026, 1, 10), needs=[need]
    )
    session.add(assessment)
    budget = make_agreed_budget(session, programme, "1000.00")
    line = budget.lines[0]
    revision = BudgetRevision(
        budget=budget,
        budget_line=line,
        amount_change=Decimal("100.00"),
        reason="Extra travel",
        approved_by=approver,
        approved_on=date(2026, 3, 1),
    )
    item = AgendaItem(
        title="Speak at the town hall",
        activity_type=ActivityType.MENTORING,
        need=need,
        budget_line=line,
        planned_start=date(2026, 3, 1),
        due_date=date(2026, 6, 30),
        cost=Decimal("500.00"),
    )
    agenda = LearningAgenda(
        programme=programme, title="Road to the town hall", items=[item]
    )
    progress = ProgressUpdate(item=item, percent_done=20, note="First speech drafted")
    session.add_all([revision, agenda, progress])
    programme.status = ProgrammeStatus.ACTIVE
    session.flush()

    mentor = mentor or make_mentor(session)
    match, consent, agreement, mentoring_session = _agreed_match(
        session, programme, mentor, need, line, facilitator
    )
    others = _money_and_seminars(session, programme, line, facilitator)
    audit_event = AuditEvent(
        actor=facilitator,
        entity_type="Programme",
        entity_id=programme.id,
        action="activate",
        from_state="matching",
        to_state="active",
    )
    session.add(audit_event)
    session.commit()

    return School(
        facilitator=facilitator,
        approver=approver,
        client=programme.client,
        programme=programme,
        assessment=assessment,
        need=need,
        budget=budget,
        line=line,
        revision=revision,
        agenda=agenda,
        item=item,
        progress=progress,
        mentor=mentor,
        match=match,
        consent=consent,
        agreement=agreement,
        mentoring_session=mentoring_session,
        audit_event=audit_event,
        **others,
    )


def _agreed_match(session, programme, mentor, need, line, facilitator):
    match = Match(
        programme=programme,
        mentor=mentor,
        need=need,
        role=PeerRole.MENTOR,
        state=MatchState.AGREED,
        disclosed_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
    )
    consents = [
        Consent(
            match=match,
            side=side,
            decision=ConsentDecision.GIVEN,
            channel=Channel.EMAIL,
            recorded_by=facilitator,
        )
        for side in (ConsentSide.CLIENT, ConsentSide.MENTOR)
    ]
    held = MentoringSession(
        held_on=date(2026, 4, 2), duration_minutes=60, mode=SessionMode.VIDEO
    )
    agreement = Agreement(
        match=match,
        programme=programme,
        mentor=mentor,
        budget_line=line,
        role=PeerRole.MENTOR,
        fee=Decimal("300.00"),
        sessions_planned=6,
        start_date=date(2026, 4, 1),
        status=AgreementStatus.ACTIVE,
        sessions=[held],
    )
    session.add_all([match, *consents, agreement])
    session.flush()
    return match, consents[0], agreement, held


def _money_and_seminars(session, programme, line, facilitator) -> dict:
    seminar = Seminar(
        title="Campaigning in hard places",
        topic="campaigning",
        location="Lisbon",
        starts_on=date(2026, 9, 7),
        ends_on=date(2026, 9, 11),
        places=20,
        fee_per_place=Decimal("850.00"),
        currency="EUR",
    )
    records = {
        "check_in": CheckIn(
            programme=programme,
            facilitator=facilitator,
            held_on=date(2026, 5, 1),
            rating=ProgressRating.ON_TRACK,
        ),
        "expense": Expense(
            programme=programme,
            budget_line=line,
            incurred_on=date(2026, 4, 20),
            amount=Decimal("120.00"),
            payee="Hotel Europa",
            reference="INV-0042",
        ),
        "funding": FundingApplication(
            programme=programme,
            funder="Open Society Trust",
            amount_asked=Decimal("800.00"),
            status=FundingStatus.SUBMITTED,
            submitted_on=date(2026, 2, 15),
        ),
        "seminar": seminar,
        "enrolment": SeminarEnrolment(
            seminar=seminar,
            programme=programme,
            enrolled_on=date(2026, 5, 2),
            fee=Decimal("850.00"),
        ),
        "interest": SeminarInterest(
            programme=programme,
            seminar=seminar,
            topic="campaigning",
            expressed_on=date(2026, 4, 30),
        ),
        "rate": ExchangeRate(
            currency="GBP",
            reporting_currency="EUR",
            rate=Decimal("1.16250000"),
            valid_from=date(2026, 1, 1) + timedelta(days=next(_serial)),
        ),
    }
    session.add_all(records.values())
    session.flush()
    return records


class _FormReader(HTMLParser):
    """Read what a browser would post from an admin page's record form."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "admin-form" in (attributes.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        if tag == "option" and self._select is not None and "selected" in attributes:
            self._select[1] = attributes.get("value", "")
        if "name" not in attributes:
            return
        if tag == "input":
            self._read_input(attributes)
        elif tag == "select":
            self._select = [attributes["name"], None]
        elif tag == "textarea":
            self._textarea = [attributes["name"], ""]

    def _read_input(self, attributes):
        kind = attributes.get("type", "text")
        if kind in ("submit", "button"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attributes:
            return
        self.fields.append((attributes["name"], attributes.get("value", "y")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            self.fields.append((self._select[0], self._select[1] or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop the line break that opens a textarea's content.
            name, text = self._textarea
            self.fields.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None


def form_data(page: str, **changes) -> MultiDict:
    """Return what a browser would post from the record form on a page, changed.

    Hidden fields come along as they are, the CSRF token and the version the
    user saw included.
    """
    reader = _FormReader()
    reader.feed(page)
    data = MultiDict(reader.fields)
    for name, value in changes.items():
        data.setlist(name, [value])
    return data


def options_of(page: str, field: str) -> list[str]:
    """Return the labels a select on the page offers, the blank "choose…" left out."""
    found = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select named {field}"
    options = re.findall(r"<option([^>]*)>(.*?)</option>", found.group(1), re.S)
    return [
        html.unescape(label).strip()
        for attributes, label in options
        if label.strip() and 'value="__None"' not in attributes
    ]


def make_match_at(
    session,
    programme: Programme,
    mentor: Mentor,
    state: MatchState,
    consenting: tuple[ConsentSide, ...] = (),
    need: Need | None = None,
    ended_after_disclosure: bool = False,
) -> Match:
    """Make an introduction at a state, with the consents it implies.

    A disclosed match, or one further on, has both sides' consent and the
    moment of disclosure; `consenting` names the sides that have said yes to
    a match not yet disclosed. `ended_after_disclosure` makes an ended match
    one that was disclosed before it ended.
    """
    disclosed = state in MATCH_STATES_DISCLOSED or ended_after_disclosure
    match = Match(
        programme=programme,
        mentor=mentor,
        need=need,
        role=PeerRole.MENTOR,
        state=state,
        disclosed_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC) if disclosed else None,
    )
    sides = tuple(ConsentSide) if disclosed else consenting
    session.add(match)
    session.add_all(
        Consent(
            match=match,
            side=side,
            decision=ConsentDecision.GIVEN,
            channel=Channel.EMAIL,
        )
        for side in sides
    )
    session.flush()
    return match

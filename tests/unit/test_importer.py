"""The import of a School's workbook: all of it, or nothing and every problem."""

import logging
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from plp.db import Base
from plp.enums import Channel, ConsentDecision, MatchState, ProgrammeStatus
from plp.errors import NotPermitted
from plp.importer import SHEETS, ImportRefused, build_template, import_workbook
from plp.models import (
    Agreement,
    AuditEvent,
    Budget,
    Client,
    Consent,
    Match,
    Mentor,
    Programme,
)
from plp.services.accounts import create_user
from tests.unit.factories import make_programme

DATA = Path(__file__).parents[1] / "data"
SAMPLE = DATA / "sample-school.xlsx"
BAD = DATA / "bad-school.xlsx"
TEMPLATE = Path(__file__).parents[2] / "docs" / "import-template.xlsx"
PASSWORD = "a long test password"

HEADERS = {spec.name: [column.header for column in spec.columns] for spec in SHEETS}


def row_counts(session) -> dict[str, int]:
    """Count the rows of every table."""
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar()
        for table in Base.metadata.sorted_tables
    }


def edited_sample(tmp_path, edits: dict, source: Path = SAMPLE) -> Path:
    """Save a copy of a case workbook with some cells changed.

    `edits` maps (sheet, cell) to a value; a value starting with "=" is
    written as a formula, as Excel would store one typed in.
    """
    workbook = load_workbook(source)
    for (sheet, cell), value in edits.items():
        workbook[sheet][cell] = value
    path = tmp_path / "edited.xlsx"
    workbook.save(path)
    return path


def workbook_file(tmp_path, name: str = "school.xlsx", **rows) -> Path:
    """Save a workbook with every sheet's headers and the rows given by sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, headers in HEADERS.items():
        worksheet = workbook.create_sheet(sheet)
        worksheet.append(headers)
        for row in rows.get(sheet.lower(), []):
            worksheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def problems_of(session, source, actor) -> list[str]:
    """Import a workbook that must be refused and return its problems as text."""
    with pytest.raises(ImportRefused) as refused:
        import_workbook(session, source, actor)
    return [str(problem) for problem in refused.value.problems]


def refused_writing_nothing(session, source, actor) -> list[str]:
    """Import a workbook that must be refused; check no table changed."""
    before = row_counts(session)
    problems = problems_of(session, source, actor)
    assert row_counts(session) == before
    return problems


@pytest.fixture
def admin(session):
    """Create the importing administrator and the sample's two facilitators."""
    create_user(session, "facilitator@school.example.org", "facilitator", PASSWORD)
    create_user(session, "facilitator2@school.example.org", "facilitator", PASSWORD)
    return create_user(session, "admin@school.example.org", "administrator", PASSWORD)


def client_named(session, email: str) -> Client:
    return session.execute(select(Client).where(Client.email == email)).scalar_one()


def mentor_named(session, email: str) -> Mentor:
    return session.execute(select(Mentor).where(Mentor.email == email)).scalar_one()


def programme_of(session, email: str) -> Programme:
    query = select(Programme).join(Client).where(Client.email == email)
    return session.execute(query).scalar_one()


# The sample School


def test_the_sample_school_imports_whole(session, admin):
    report = import_workbook(session, SAMPLE, admin)

    counts = row_counts(session)
    assert counts["mentors"] == 8
    assert counts["clients"] == 7
    assert counts["programmes"] == 6
    assert counts["matches"] == 6
    assert counts["budgets"] == 4
    assert counts["agreements"] == 0
    assert report.tally("Mentors").created == 8
    assert report.tally("Matches").created == 6


def test_imported_programmes_carry_status_currency_and_agreed_budget(session, admin):
    import_workbook(session, SAMPLE, admin)

    matching = programme_of(session, "lukas.b@clients.example.org")
    assert matching.status == ProgrammeStatus.MATCHING
    assert matching.currency == "EUR"
    assert matching.facilitator.email == "facilitator@school.example.org"
    assert matching.budget.agreed_total == Decimal("9800.50")
    assert matching.budget.agreed_on == date(2026, 9, 14)
    on_hold = programme_of(session, "ana.p@clients.example.org")
    assert on_hold.status == ProgrammeStatus.ON_HOLD
    assert on_hold.budget.agreed_total == Decimal("42000.00")
    assert programme_of(session, "priya.r@clients.example.org").budget is None


def test_imported_people_keep_identity_and_profile_apart(session, admin):
    import_workbook(session, SAMPLE, admin)

    mentor = mentor_named(session, "soren.kh@mentors.example.org")
    assert mentor.name == "Søren Kierkegaard-Holm"
    assert mentor.country == "Denmark"
    assert mentor.region == "Northern Europe"
    assert mentor.languages == "da, en"
    assert mentor.expertise == "policy, media"
    assert mentor.roles_offered == "both"
    assert mentor.capacity == 3
    assert mentor.alias_code.startswith("M-")
    client = client_named(session, "amara.o@clients.example.org")
    assert client.political_aims == "Stand for the state assembly in 2027."
    assert client.campaign == "Lagos Assembly 2027"


def test_names_in_any_script_survive(session, admin):
    import_workbook(session, SAMPLE, admin)

    names = set(session.scalars(select(Mentor.name)))
    assert {"Марина Ковальчук", "李静 (Li Jing)", "Mateo O'Connell Ruiz"} <= names
    assert client_named(session, "tomas.ob@clients.example.org").name == (
        "Tomás Ó Briain"
    )


def test_text_that_looks_like_a_formula_is_kept_as_text(session, admin):
    import_workbook(session, SAMPLE, admin)

    client = client_named(session, "jonas.w@clients.example.org")
    assert client.political_aims == "-30% fares for students"
    assert client.campaign == "=SUM(1,1) Bus Campaign"


def test_disclosed_matches_record_both_consents_as_imported(session, admin):
    import_workbook(session, SAMPLE, admin)

    interview = session.execute(
        select(Match).where(Match.state == MatchState.INTERVIEW)
    ).scalar_one()
    assert interview.disclosed_at is not None
    assert sorted(consent.side for consent in interview.consents) == [
        "client",
        "mentor",
    ]
    for consent in interview.consents:
        assert consent.decision == ConsentDecision.GIVEN
        assert consent.channel == Channel.IMPORT
        assert consent.imported is True
        assert consent.recorded_by_id == admin.id


def test_matches_before_disclosure_record_no_consent(session, admin):
    import_workbook(session, SAMPLE, admin)

    for state in (MatchState.SHORTLISTED, MatchState.PROPOSED, MatchState.DECLINED):
        match = session.execute(select(Match).where(Match.state == state)).scalar_one()
        assert match.consents == []
        assert match.disclosed_at is None
    assert row_counts(session)["consents"] == 6


def test_every_imported_match_is_in_the_audit_trail(session, admin):
    import_workbook(session, SAMPLE, admin)

    events = session.scalars(select(AuditEvent)).all()
    assert len(events) == 6
    assert {event.entity_type for event in events} == {"Match"}
    assert {event.action for event in events} == {"imported"}
    assert {event.actor_id for event in events} == {admin.id}
    assert all("workbook" in event.note for event in events)
    states = sorted(event.to_state for event in events)
    assert states == sorted(session.scalars(select(Match.state)))


def test_an_agreed_match_creates_no_agreement(session, admin):
    import_workbook(session, SAMPLE, admin)

    agreed = session.scalars(select(Match).where(Match.state == "agreed")).all()
    assert len(agreed) == 2
    assert session.execute(select(func.count(Agreement.id))).scalar() == 0


# Importing again


def test_importing_the_sample_again_duplicates_nothing(session, admin):
    import_workbook(session, SAMPLE, admin)
    first = row_counts(session)
    aliases = set(session.scalars(select(Mentor.alias_code)))

    report = import_workbook(session, SAMPLE, admin)

    assert row_counts(session) == first
    assert set(session.scalars(select(Mentor.alias_code))) == aliases
    for spec in SHEETS:
        assert report.tally(spec.name).created == 0
        assert report.tally(spec.name).updated == 0
    assert report.consents_recorded == 0


def test_importing_again_updates_changed_fields_and_keeps_the_alias(
    session, admin, tmp_path
):
    import_workbook(session, SAMPLE, admin)
    alias = mentor_named(session, "soren.kh@mentors.example.org").alias_code
    changed = edited_sample(
        tmp_path,
        {
            ("Mentors", "A3"): "Søren K. Holm",
            ("Mentors", "B3"): "SOREN.KH@mentors.example.org",
            ("Mentors", "I3"): 4,
        },
    )

    report = import_workbook(session, changed, admin)

    session.expire_all()
    mentor = mentor_named(session, "soren.kh@mentors.example.org")
    assert (mentor.name, mentor.capacity, mentor.alias_code) == (
        "Søren K. Holm",
        4,
        alias,
    )
    assert report.tally("Mentors").updated == 1
    assert report.tally("Mentors").unchanged == 7
    assert row_counts(session)["mentors"] == 8


def test_a_later_state_is_imported_with_consents_and_an_audit_event(
    session, admin, tmp_path
):
    import_workbook(session, SAMPLE, admin)
    moved_on = edited_sample(tmp_path, {("Matches", "D4"): "disclosed"})

    report = import_workbook(session, moved_on, admin)

    session.expire_all()
    match = session.execute(
        select(Match).join(Mentor).where(Mentor.email == "soren.kh@mentors.example.org")
    ).scalar_one()
    assert match.state == MatchState.DISCLOSED
    assert len(match.consents) == 2
    assert report.tally("Matches").updated == 1
    latest = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (latest.from_state, latest.to_state) == ("proposed", "disclosed")


def test_a_disclosed_match_cannot_be_imported_back_to_proposed(
    session, admin, tmp_path
):
    import_workbook(session, SAMPLE, admin)
    undone = edited_sample(tmp_path, {("Matches", "D3"): "proposed"})

    problems = refused_writing_nothing(session, undone, admin)

    assert problems == [
        "Matches row 3, State: the introduction is already disclosed; "
        "that cannot be undone"
    ]


def soren_match(session) -> Match:
    query = (
        select(Match).join(Mentor).where(Mentor.email == "soren.kh@mentors.example.org")
    )
    return session.execute(query).scalar_one()


def record_word(session, match: Match, side: str, decision: str, actor) -> None:
    """Record one side's word on disclosure, as the matching staff would."""
    session.add(
        Consent(
            match=match,
            side=side,
            decision=decision,
            channel=Channel.PHONE,
            recorded_by=actor,
        )
    )
    session.commit()


def test_a_declined_match_is_not_reopened_nor_its_refusal_overridden(
    session, admin, tmp_path
):
    import_workbook(session, SAMPLE, admin)
    match = soren_match(session)
    record_word(session, match, "client", ConsentDecision.GIVEN, admin)
    record_word(session, match, "mentor", ConsentDecision.REFUSED, admin)
    match.state = MatchState.DECLINED
    session.commit()
    declined_on = match.state_changed_at.date().isoformat()
    reopened = edited_sample(tmp_path, {("Matches", "D4"): "disclosed"})

    problems = refused_writing_nothing(session, reopened, admin)

    assert problems == [
        f"Matches row 4, State: the match was declined on {declined_on}; "
        "the import cannot change that"
    ]
    session.expire_all()
    match = soren_match(session)
    assert match.state == MatchState.DECLINED
    assert match.current_consent("mentor") == ConsentDecision.REFUSED


@pytest.mark.parametrize("decision", ["refused", "withdrawn"])
def test_a_recorded_refusal_keeps_the_import_from_disclosing(
    session, admin, tmp_path, decision
):
    import_workbook(session, SAMPLE, admin)
    record_word(session, soren_match(session), "mentor", decision, admin)
    disclosed = edited_sample(tmp_path, {("Matches", "D4"): "disclosed"})

    problems = refused_writing_nothing(session, disclosed, admin)

    assert problems == [
        "Matches row 4, State: a consent refusal is recorded; "
        "the import cannot change that"
    ]
    assert soren_match(session).state == MatchState.PROPOSED


def test_the_import_adds_consent_only_for_a_side_with_no_word(session, admin, tmp_path):
    import_workbook(session, SAMPLE, admin)
    record_word(session, soren_match(session), "client", ConsentDecision.GIVEN, admin)
    disclosed = edited_sample(tmp_path, {("Matches", "D4"): "disclosed"})

    report = import_workbook(session, disclosed, admin)

    session.expire_all()
    consents = soren_match(session).consents
    assert [(c.side, c.channel) for c in consents] == [
        ("client", Channel.PHONE),
        ("mentor", Channel.IMPORT),
    ]
    assert report.consents_recorded == 1


def test_a_match_is_not_moved_back_by_the_import(session, admin, tmp_path):
    import_workbook(session, SAMPLE, admin)
    interview = session.execute(
        select(Match).where(Match.state == MatchState.INTERVIEW)
    ).scalar_one()
    row = next(
        cell.row
        for cell in load_workbook(SAMPLE)["Matches"]["D"]
        if cell.value == "interview"
    )
    back = edited_sample(tmp_path, {("Matches", f"D{row}"): "disclosed"})

    problems = refused_writing_nothing(session, back, admin)

    assert problems == [
        f"Matches row {row}, State: the match is already interview; the import "
        "cannot move it back to disclosed"
    ]
    session.refresh(interview)
    assert interview.state == MatchState.INTERVIEW


def test_a_different_agreed_total_is_refused_at_write_time_and_rolled_back(
    session, admin, tmp_path
):
    import_workbook(session, SAMPLE, admin)
    revised = edited_sample(
        tmp_path,
        {("Programmes", "F2"): 15000, ("Mentors", "A2"): "A new name"},
    )
    before = row_counts(session)

    problems = problems_of(session, revised, admin)

    [problem] = problems
    assert problem.startswith("Programmes row 2: ")
    assert "baseline" in problem
    session.expire_all()
    assert row_counts(session) == before
    assert mentor_named(session, "aiyana.tm@mentors.example.org").name == (
        "Aiyana Thunderbird-Moss"
    )
    budget = programme_of(session, "amara.o@clients.example.org").budget
    assert budget.agreed_total == Decimal("14250.00")


def test_capacity_below_active_agreements_is_refused(session, admin, tmp_path):
    import_workbook(session, SAMPLE, admin)
    kwame = mentor_named(session, "kwame.mb@mentors.example.org")
    imported = session.execute(select(Match).where(Match.mentor == kwame)).scalar_one()
    # A second agreement, with another client: one programme has one open
    # match with a mentor at most.
    elsewhere = make_programme(session)
    added = Match(programme=elsewhere, mentor=kwame, role=imported.role, state="agreed")
    session.add(added)
    for match in (imported, added):
        session.add(
            Agreement(
                match=match, programme=match.programme, mentor=kwame, role=match.role
            )
        )
    session.commit()
    lowered = edited_sample(tmp_path, {("Mentors", "I8"): 1})

    problems = refused_writing_nothing(session, lowered, admin)

    assert problems == [
        "Mentors row 8, Capacity: 1 is less than the mentor's 2 active agreements"
    ]


def with_match_row(tmp_path, role: str, state: str) -> Path:
    """Add to the sample a second match of Søren with Lukas's programme."""
    edits = {
        ("Matches", "A8"): "lukas.b@clients.example.org",
        ("Matches", "B8"): "soren.kh@mentors.example.org",
        ("Matches", "C8"): role,
        ("Matches", "D8"): state,
    }
    return edited_sample(tmp_path, edits)


def test_a_second_open_match_of_one_mentor_and_programme_is_refused(
    session, admin, tmp_path
):
    problems = refused_writing_nothing(
        session, with_match_row(tmp_path, "coach", "shortlisted"), admin
    )

    assert len(problems) == 1
    assert problems[0].startswith("Matches row 8: Mentor: M-")
    assert "is already matched with PLP-" in problems[0]
    assert "(proposed); open that match instead." in problems[0]
    assert "Søren" not in problems[0]


def test_an_ended_match_beside_an_open_one_is_imported_as_history(
    session, admin, tmp_path
):
    import_workbook(session, with_match_row(tmp_path, "coach", "withdrawn"), admin)

    soren = mentor_named(session, "soren.kh@mentors.example.org")
    states = session.scalars(select(Match.state).where(Match.mentor == soren)).all()
    assert sorted(states) == [MatchState.PROPOSED, MatchState.WITHDRAWN]


# The broken School


def test_the_broken_school_is_refused_whole_with_every_problem(session, admin):
    problems = refused_writing_nothing(session, BAD, admin)

    # Matches row 2 names a mentor who is valid in the Mentors sheet, so only
    # its state is wrong.
    assert problems == [
        "Mentors row 3, Email: not-an-email is not an e-mail address",
        "Mentors row 4, Capacity: -1 is negative",
        "Clients row 2, Name: a formula, not text (a name must be typed in)",
        "Clients row 4, Email: the same as row 3",
        "Programmes row 2, Currency: GBX is not an ISO 4217 currency",
        "Programmes row 3, Start date: 31/02/2026 is not a date",
        "Programmes row 3, Agreed budget: 10.005 has more than two decimals",
        "Programmes row 4, Client email: no such client: "
        "nobody@clients.example.org is neither in the Clients sheet "
        "nor already a client",
        "Matches row 2, State: married is not a known state; the states are "
        "shortlisted, proposed, disclosed, interview, invited, accepted, agreed, "
        "declined, withdrawn, expired",
    ]


def test_the_broken_school_writes_nothing_even_to_a_filled_database(session, admin):
    import_workbook(session, SAMPLE, admin)

    refused_writing_nothing(session, BAD, admin)


# One thing wrong, nothing written


def test_a_missing_sheet_is_named(session, admin, tmp_path):
    workbook = load_workbook(SAMPLE)
    del workbook["Matches"]
    path = tmp_path / "no-matches.xlsx"
    workbook.save(path)

    assert refused_writing_nothing(session, path, admin) == [
        "Matches: the sheet is missing"
    ]


def test_a_missing_column_is_named(session, admin, tmp_path):
    renamed = edited_sample(tmp_path, {("Programmes", "E1"): "Money"})

    assert refused_writing_nothing(session, renamed, admin) == [
        "Programmes row 1, Currency: the column is missing"
    ]


def test_headers_match_whatever_their_case_and_spacing(session, admin, tmp_path):
    shouted = edited_sample(
        tmp_path, {("Programmes", "E1"): "  CURRENCY ", ("Mentors", "A1"): "name"}
    )

    import_workbook(session, shouted, admin)

    assert row_counts(session)["programmes"] == 6


def test_an_unknown_currency_is_refused(session, admin, tmp_path):
    wrong = edited_sample(tmp_path, {("Programmes", "E3"): "GBX"})

    assert refused_writing_nothing(session, wrong, admin) == [
        "Programmes row 3, Currency: GBX is not an ISO 4217 currency"
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2026", "31/02/2026 is not a date"),
        ("2026-02-31", "2026-02-31 is not a date"),
        ("03/04/2026", "03/04/2026 is not a date"),
        ("next week", "next week is not a date"),
        (None, "a date (YYYY-MM-DD) is required"),
    ],
)
def test_a_bad_date_is_refused(session, admin, tmp_path, typed, message):
    wrong = edited_sample(tmp_path, {("Programmes", "D5"): typed})

    assert refused_writing_nothing(session, wrong, admin) == [
        f"Programmes row 5, Start date: {message}"
    ]


def test_a_date_typed_as_iso_text_is_read(session, admin, tmp_path):
    typed = edited_sample(tmp_path, {("Programmes", "D5"): "2025-01-06"})

    import_workbook(session, typed, admin)

    programme = programme_of(session, "tomas.ob@clients.example.org")
    assert programme.start_date == date(2025, 1, 6)


def test_a_duplicate_email_is_refused_on_the_later_row(session, admin, tmp_path):
    repeated = edited_sample(
        tmp_path, {("Mentors", "B9"): "LI.JING@mentors.example.org"}
    )

    assert refused_writing_nothing(session, repeated, admin) == [
        "Mentors row 9, Email: the same as row 7"
    ]


def test_a_duplicate_programme_is_refused(session, admin, tmp_path):
    repeated = edited_sample(
        tmp_path,
        {
            ("Programmes", "A4"): "amara.o@clients.example.org",
            ("Programmes", "D4"): "2026-03-02",
        },
    )

    assert refused_writing_nothing(session, repeated, admin) == [
        "Programmes row 4, Start date: the same client and start date as row 2"
    ]


def test_a_formula_in_a_name_cell_is_refused(session, admin, tmp_path):
    formula = edited_sample(tmp_path, {("Mentors", "A4"): '=CONCAT("Nom", "vula")'})

    assert refused_writing_nothing(session, formula, admin) == [
        "Mentors row 4, Name: a formula, not text (a name must be typed in)"
    ]


def test_a_formula_in_a_number_cell_is_refused(session, admin, tmp_path):
    formula = edited_sample(tmp_path, {("Programmes", "F2"): "=14000+250"})

    assert refused_writing_nothing(session, formula, admin) == [
        "Programmes row 2, Agreed budget: a formula, not a value "
        "(an amount must be typed in)"
    ]


def test_text_beginning_with_formula_characters_is_kept(session, admin, tmp_path):
    workbook = load_workbook(SAMPLE)
    for cell, text in (("A8", "@Jonas Weber"), ("H8", "=1+1")):
        workbook["Clients"][cell] = text
        workbook["Clients"][cell].data_type = "s"
    path = tmp_path / "texts.xlsx"
    workbook.save(path)

    import_workbook(session, path, admin)

    client = client_named(session, "jonas.w@clients.example.org")
    assert (client.name, client.campaign) == ("@Jonas Weber", "=1+1")
    assert client.phone == "+49 151 5550 0107"


@pytest.mark.parametrize(
    ("cell", "value", "problem"),
    [
        ("I3", -1, "Capacity: -1 is negative"),
        ("I3", 2.5, "Capacity: 2.5 is not a whole number"),
        ("I3", "two", "Capacity: two is not a whole number"),
        ("I3", None, "Capacity: a whole number is required"),
        (
            "H3",
            "trainer",
            "Roles: trainer is not a known role; the roles are mentor, coach, both",
        ),
        ("F3", "da, xx", "Languages: xx: not a language code (ISO 639)"),
        ("A3", None, "Name: a name is required"),
        ("A3", "x" * 201, "Name: 201 characters, more than the 200 allowed"),
    ],
)
def test_a_wrong_mentor_cell_is_refused(session, admin, tmp_path, cell, value, problem):
    wrong = edited_sample(tmp_path, {("Mentors", cell): value})

    assert refused_writing_nothing(session, wrong, admin) == [
        f"Mentors row 3, {problem}"
    ]


def test_mentor_and_coach_together_mean_both(session, admin, tmp_path):
    listed = edited_sample(tmp_path, {("Mentors", "H2"): "Coach, mentor"})

    import_workbook(session, listed, admin)

    mentor = mentor_named(session, "aiyana.tm@mentors.example.org")
    assert mentor.roles_offered == "both"


def test_an_amount_with_more_than_two_decimals_is_refused(session, admin, tmp_path):
    precise = edited_sample(tmp_path, {("Programmes", "F3"): 10.005})

    assert refused_writing_nothing(session, precise, admin) == [
        "Programmes row 3, Agreed budget: 10.005 has more than two decimals"
    ]


@pytest.mark.parametrize(
    ("status", "budget", "problem"),
    [
        (
            "enquiry",
            500,
            "Agreed budget: a budget is agreed only from the agenda "
            "stage on; leave it empty for a programme at stage enquiry",
        ),
        (
            "agenda",
            None,
            "Agreed budget: a programme at stage agenda has an agreed budget",
        ),
        (
            "finished",
            None,
            "Status: finished is not a known status; the statuses "
            "are enquiry, assessment, budget, agenda, matching, active, on hold, "
            "completed, withdrawn",
        ),
    ],
)
def test_the_stage_decides_the_agreed_budget(
    session, admin, tmp_path, status, budget, problem
):
    wrong = edited_sample(
        tmp_path, {("Programmes", "C6"): status, ("Programmes", "F6"): budget}
    )

    assert refused_writing_nothing(session, wrong, admin) == [
        f"Programmes row 6, {problem}"
    ]


def test_a_withdrawn_programme_may_have_an_agreed_budget_or_none(
    session, admin, tmp_path
):
    withdrawn = edited_sample(
        tmp_path,
        {("Programmes", "C4"): "withdrawn", ("Programmes", "C7"): "Withdrawn"},
    )

    import_workbook(session, withdrawn, admin)

    assert programme_of(session, "fatima.ei@clients.example.org").budget is None
    assert programme_of(session, "ana.p@clients.example.org").status == "withdrawn"


def test_an_active_programme_needs_a_facilitator(session, admin, tmp_path):
    alone = edited_sample(tmp_path, {("Programmes", "B2"): None})

    assert refused_writing_nothing(session, alone, admin) == [
        "Programmes row 2, Facilitator email: an active programme needs a facilitator"
    ]


def test_a_facilitator_must_be_a_facilitator_account(session, admin, tmp_path):
    create_user(session, "coordinator@school.example.org", "coordinator", PASSWORD)
    wrong = edited_sample(
        tmp_path,
        {
            ("Programmes", "B3"): "coordinator@school.example.org",
            ("Programmes", "B4"): "nobody@school.example.org",
        },
    )

    assert refused_writing_nothing(session, wrong, admin) == [
        "Programmes row 3, Facilitator email: this account is a coordinator, "
        "not a facilitator",
        "Programmes row 4, Facilitator email: no staff account has this e-mail: "
        "create the facilitator first",
    ]


def test_an_unknown_mentor_and_role_in_a_match_are_refused(session, admin, tmp_path):
    wrong = edited_sample(
        tmp_path,
        {
            ("Matches", "B2"): "stranger@mentors.example.org",
            ("Matches", "C2"): "guru",
        },
    )

    assert refused_writing_nothing(session, wrong, admin) == [
        "Matches row 2, Mentor email: no such mentor: stranger@mentors.example.org "
        "is neither in the Mentors sheet nor already in the pool",
        "Matches row 2, Role: guru is not a known role; the roles are mentor, coach",
    ]


def test_a_client_without_a_programme_cannot_have_matches(session, admin, tmp_path):
    lonely = edited_sample(tmp_path, {("Matches", "A2"): "jonas.w@clients.example.org"})

    assert refused_writing_nothing(session, lonely, admin) == [
        "Matches row 2, Client email: the client has no programme: "
        "add one to the Programmes sheet"
    ]


# References to what the database already holds


def test_matches_may_refer_to_records_already_in_the_database(session, admin, tmp_path):
    import_workbook(session, SAMPLE, admin)
    later = workbook_file(
        tmp_path,
        matches=[
            [
                "fatima.ei@clients.example.org",
                "li.jing@mentors.example.org",
                "coach",
                "shortlisted",
            ]
        ],
    )

    report = import_workbook(session, later, admin)

    assert report.tally("Matches").created == 1
    match = session.execute(
        select(Match).join(Mentor).where(Mentor.email == "li.jing@mentors.example.org")
    ).scalar_one()
    assert match.programme.client.email == "fatima.ei@clients.example.org"


def test_a_match_goes_to_the_latest_starting_open_programme(session, admin, tmp_path):
    import_workbook(session, SAMPLE, admin)
    later = workbook_file(
        tmp_path,
        programmes=[
            [
                "tomas.ob@clients.example.org",
                "facilitator@school.example.org",
                "assessment",
                date(2024, 6, 1),
                "EUR",
                None,
            ],
            [
                "tomas.ob@clients.example.org",
                None,
                "enquiry",
                date(2027, 2, 1),
                "EUR",
                None,
            ],
            [
                "tomas.ob@clients.example.org",
                None,
                "withdrawn",
                date(2028, 1, 1),
                "EUR",
                None,
            ],
        ],
        matches=[
            [
                "tomas.ob@clients.example.org",
                "ingrid.v@mentors.example.org",
                "mentor",
                "shortlisted",
            ]
        ],
    )

    import_workbook(session, later, admin)

    match = session.execute(
        select(Match).join(Mentor).where(Mentor.email == "ingrid.v@mentors.example.org")
    ).scalar_one()
    assert match.programme.start_date == date(2027, 2, 1)
    assert row_counts(session)["programmes"] == 9


# Files that are not a School's workbook


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(session, admin):
    text = BytesIO(b"Name,Email\nAmara,amara.o@clients.example.org\n")

    problems = refused_writing_nothing(session, text, admin)

    assert problems == [
        "Workbook: the file is not an Excel workbook (.xlsx): save it from Excel "
        "or LibreOffice as an .xlsx workbook and try again"
    ]


def test_a_csv_path_is_refused_with_the_same_message(session, admin, tmp_path):
    path = tmp_path / "school.csv"
    path.write_text("Name,Email\n")

    [problem] = refused_writing_nothing(session, path, admin)

    assert problem.startswith("Workbook: the file is not an Excel workbook (.xlsx)")


def test_an_empty_workbook_is_refused(session, admin, tmp_path):
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)

    assert refused_writing_nothing(session, path, admin) == [
        "Workbook: the workbook is empty"
    ]


def test_a_workbook_of_headers_only_is_refused(session, admin):
    assert refused_writing_nothing(session, BytesIO(build_template()), admin) == [
        "Workbook: the workbook has headers but no records"
    ]


def test_only_an_administrator_may_import(session, admin):
    facilitator = create_user(session, "f3@school.example.org", "facilitator", PASSWORD)

    with pytest.raises(NotPermitted):
        import_workbook(session, SAMPLE, facilitator)

    assert row_counts(session)["mentors"] == 0


# The template


def test_the_template_has_every_sheet_and_header(tmp_path):
    workbook = load_workbook(BytesIO(build_template()))

    for spec in SHEETS:
        headers = [cell.value for cell in workbook[spec.name][1]]
        assert headers == [column.header for column in spec.columns]


def test_the_shipped_template_matches_the_one_built(tmp_path):
    shipped = load_workbook(TEMPLATE)
    built = load_workbook(BytesIO(build_template()))

    assert shipped.sheetnames == built.sheetnames
    for name in built.sheetnames:
        assert [c.value for c in shipped[name][1]] == [c.value for c in built[name][1]]


def test_a_filled_in_template_imports(session, admin, tmp_path):
    workbook = load_workbook(BytesIO(build_template()))
    workbook["Clients"]["A2"] = "Nia Mensah"
    workbook["Clients"]["B2"] = "nia@clients.example.org"
    path = tmp_path / "filled.xlsx"
    workbook.save(path)

    report = import_workbook(session, path, admin)

    assert report.tally("Clients").created == 1
    assert client_named(session, "nia@clients.example.org").name == "Nia Mensah"


# Logs


def test_the_log_names_nobody(session, admin, caplog, tmp_path):
    caplog.set_level(logging.DEBUG, logger="plp")

    import_workbook(session, SAMPLE, admin)
    problems_of(session, BAD, admin)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "imported Mentors" in logged
    for identity in ("Aiyana", "aiyana.tm@", "Amara", "amara.o@", "Okafor"):
        assert identity not in logged


def test_budgets_are_created_only_for_agreed_totals(session, admin):
    import_workbook(session, SAMPLE, admin)

    totals = sorted(session.scalars(select(Budget.agreed_total)))
    assert totals == [
        Decimal("7300.00"),
        Decimal("9800.50"),
        Decimal("14250.00"),
        Decimal("42000.00"),
    ]
    assert session.execute(select(func.count(Consent.id))).scalar() == 6

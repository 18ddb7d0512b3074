"""The demo School: repeatable, complete, and within every rule of the School."""

from collections import defaultdict
from decimal import Decimal

import pytest
from faker import Faker
from faker.providers.person.ja_JP import Provider as JapaneseNames
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from plp.demo import (
    DEMO_ACCOUNTS,
    REFERENCE_DATE,
    SchoolNotEmpty,
    build_demo_school,
    count_rows,
)
from plp.demo_finance import REASONS, SMALLEST_INVOICE, invoice_unit
from plp.demo_names import NAME_PAIRS, latin_letters, person_name
from plp.demo_people import country_named
from plp.demo_world import euros_to, money_step
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    AgreementStatus,
    BudgetCategory,
    ConsentDecision,
    ConsentSide,
    FundingStatus,
    MatchState,
    ProgrammeStatus,
    Role,
)
from plp.errors import InvalidValue
from plp.models import (
    AgendaItem,
    Agreement,
    AuditEvent,
    Budget,
    BudgetLine,
    BudgetRevision,
    Client,
    ExchangeRate,
    Expense,
    FundingApplication,
    LearningAgenda,
    Match,
    Mentor,
    Need,
    Programme,
    User,
)
from plp.vocabulary import AREAS, REGIONS
from tests.conftest import empty_all_tables

SIZE = 30
SEED = 7


@pytest.fixture(scope="module")
def school(database_url):
    """Yield a session on one small demo School, shared by this module's tests."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        build_demo_school(session, size=SIZE, seed=SEED)
        yield session
        session.rollback()
    with engine.begin() as connection:
        empty_all_tables(connection)
    engine.dispose()


def snapshot(session: Session) -> dict[str, list]:
    """Return what a person would compare between two demo Schools."""
    queries = {
        "clients": select(Client.name, Client.email, Client.alias_code),
        "mentors": select(Mentor.name, Mentor.email, Mentor.alias_code),
        "programmes": select(
            Programme.reference,
            Programme.status,
            Programme.currency,
            Programme.start_date,
        ),
        "budget lines": select(BudgetLine.category, BudgetLine.amount),
        "expenses": select(Expense.reference, Expense.incurred_on, Expense.amount),
        "matches": select(Match.state, Match.state_changed_at),
        "funding": select(FundingApplication.funder, FundingApplication.amount_asked),
    }
    return {
        name: sorted(session.execute(query).all(), key=str)
        for name, query in queries.items()
    }


def test_the_same_seed_and_size_give_the_same_school(school):
    first = snapshot(school)

    empty_all_tables(school.connection())
    school.commit()
    school.expunge_all()
    build_demo_school(school, size=SIZE, seed=SEED)

    assert snapshot(school) == first
    assert len({name for name, _, _ in first["clients"]}) == SIZE


def test_every_programme_status_is_present(school):
    statuses = set(school.execute(select(Programme.status)).scalars())

    assert statuses == set(ProgrammeStatus)


def test_every_match_state_is_present(school):
    states = set(school.execute(select(Match.state)).scalars())

    assert states == set(MatchState)


def test_every_funding_status_is_present_and_awards_never_exceed_the_ask(school):
    applications = school.execute(select(FundingApplication)).scalars().all()

    assert {application.status for application in applications} == set(FundingStatus)
    for application in applications:
        awarded = application.amount_awarded or Decimal("0")
        assert awarded <= application.amount_asked


def test_spending_stays_within_each_programmes_revised_budget(school):
    spent = dict(
        school.execute(
            select(Expense.programme_id, func.sum(Expense.amount)).group_by(
                Expense.programme_id
            )
        ).all()
    )

    assert spent, "programmes that have started spend money"
    for budget in school.execute(select(Budget)).scalars():
        if budget.programme_id in spent:
            assert spent[budget.programme_id] <= budget.current_total


def test_agenda_costs_stay_within_the_revised_budget(school):
    for agenda in school.execute(select(LearningAgenda)).scalars():
        budget = agenda.programme.budget
        cost = sum((item.cost for item in agenda.items), Decimal("0.00"))

        assert budget.agreed_total is not None
        assert cost <= budget.current_total


def test_budgets_are_agreed_from_the_agenda_stage_on(school):
    for budget in school.execute(select(Budget)).scalars():
        programme = budget.programme
        stage = programme.status_before_hold or programme.status

        if stage == ProgrammeStatus.BUDGET:
            assert budget.agreed_total is None
        elif stage in (ProgrammeStatus.ACTIVE, ProgrammeStatus.COMPLETED):
            assert budget.agreed_total == sum(line.amount for line in budget.lines)


def test_active_programmes_have_started_and_have_running_agreements(school):
    active = school.execute(
        select(Programme).where(Programme.status == ProgrammeStatus.ACTIVE)
    ).scalars()

    for programme in active:
        agreements = [match.agreement for match in programme.matches if match.agreement]
        assert programme.start_date is not None
        assert programme.facilitator is not None
        assert {a.status for a in agreements} <= {AgreementStatus.ACTIVE}


def test_no_mentor_has_more_active_agreements_than_their_capacity(school):
    running = defaultdict(int)
    for agreement in school.execute(select(Agreement)).scalars():
        if agreement.status == AgreementStatus.ACTIVE:
            running[agreement.mentor_id] += 1

    assert running, "the demo has running agreements"
    for mentor_id, count in running.items():
        assert count <= school.get(Mentor, mentor_id).capacity


def test_agreements_are_paid_from_a_mentoring_or_coaching_line_they_fit(school):
    committed = defaultdict(Decimal)
    for agreement in school.execute(select(Agreement)).scalars():
        line = agreement.budget_line
        committed[line.id] += agreement.fee

        assert agreement.match.state == MatchState.AGREED
        assert line.category in (BudgetCategory.MENTORING, BudgetCategory.COACHING)
        assert committed[line.id] <= line.amount


def test_disclosed_matches_have_both_consents_given(school):
    disclosed = school.execute(
        select(Match).where(Match.state.in_(MATCH_STATES_DISCLOSED))
    ).scalars()

    for match in disclosed:
        assert match.current_consent(ConsentSide.CLIENT) == ConsentDecision.GIVEN
        assert match.current_consent(ConsentSide.MENTOR) == ConsentDecision.GIVEN
        assert match.proposed_at < match.disclosed_at <= match.state_changed_at


def test_matches_not_yet_disclosed_have_no_disclosure(school):
    anonymous = school.execute(
        select(Match).where(Match.state.not_in(MATCH_STATES_DISCLOSED))
    ).scalars()

    for match in anonymous:
        given = {
            consent.side
            for consent in match.consents
            if consent.decision == ConsentDecision.GIVEN
        }
        if match.state in (MatchState.SHORTLISTED, MatchState.PROPOSED):
            assert match.disclosed_at is None
        if match.disclosed_at is None:
            assert len(given) < 2


def test_matches_ended_before_disclosure_say_only_a_neutral_reason(school):
    ended_early = school.execute(
        select(Match).where(
            Match.state.in_((MatchState.DECLINED, MatchState.WITHDRAWN)),
            Match.disclosed_at.is_(None),
        )
    ).scalars()

    reasons = {match.end_reason for match in ended_early}

    assert "Withdrawn before the names were disclosed." in reasons
    assert reasons <= {
        "Consent to disclosure was not given.",
        "Withdrawn before the names were disclosed.",
    }


def test_each_match_was_shortlisted_before_it_was_proposed(school):
    for match in school.execute(select(Match)).scalars():
        assert match.created_at <= match.state_changed_at
        if match.proposed_at is not None:
            assert match.created_at < match.proposed_at


def test_every_match_state_change_is_in_the_audit_trail(school):
    steps = defaultdict(list)
    events = school.execute(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "Match", AuditEvent.to_state.is_not(None))
        .order_by(AuditEvent.occurred_at)
    ).scalars()
    for event in events:
        if event.action != "record consent":
            steps[event.entity_id].append(event.to_state)

    for match in school.execute(select(Match)).scalars():
        assert steps[match.id][0] == MatchState.SHORTLISTED
        assert steps[match.id][-1] == match.state


def test_match_steps_are_named_in_the_trail_as_the_workflow_names_them(school):
    events = school.execute(
        select(AuditEvent).where(
            AuditEvent.entity_type == "Match",
            AuditEvent.to_state.is_not(None),
            AuditEvent.action != "record consent",
        )
    ).scalars()

    for event in events:
        assert event.action == event.to_state
        if event.to_state == MatchState.EXPIRED:
            assert event.actor is None
            assert event.automated_by == "Automatic expiry (after 30 days)"
        else:
            assert event.actor is not None


def test_the_mentor_pool_spans_many_countries_regions_and_languages(school):
    mentors = school.execute(select(Mentor)).scalars().all()
    languages = {code for mentor in mentors for code in mentor.languages.split(", ")}

    assert len(mentors) >= 12
    assert len({mentor.country for mentor in mentors}) >= 10
    assert len({mentor.region for mentor in mentors}) >= 4
    assert len(languages) >= 6
    assert {mentor.capacity for mentor in mentors} <= {0, 1, 2, 3}


def test_every_currency_used_has_a_rate_to_euros(school):
    currencies = set(school.execute(select(Programme.currency)).scalars())
    rated = set(school.execute(select(ExchangeRate.currency)).scalars())

    assert len(currencies) >= 4
    assert currencies - {"EUR"} <= rated


def test_each_facilitator_has_programmes_at_several_stages(school):
    stages = defaultdict(set)
    for programme in school.execute(select(Programme)).scalars():
        if programme.facilitator_id is not None:
            stages[programme.facilitator.email].add(programme.status)

    assert "facilitator@school.example.org" in stages
    assert "facilitator2@school.example.org" in stages
    assert all(len(statuses) >= 2 for statuses in stages.values())


def test_one_demo_account_per_role_and_people_under_example_domains(school):
    accounts = {
        user.email: user.role
        for user in school.execute(select(User)).scalars()
        if user.email in {account.email for account in DEMO_ACCOUNTS}
    }
    emails = [
        *school.execute(select(Client.email)).scalars(),
        *school.execute(select(Mentor.email)).scalars(),
    ]

    assert set(accounts.values()) == set(Role)
    assert all(email.endswith(".example.org") for email in emails)


def test_agenda_progress_follows_the_programme_stage(school):
    items = school.execute(select(AgendaItem)).scalars()

    for item in items:
        status = (
            item.agenda.programme.status_before_hold or item.agenda.programme.status
        )
        if status in (ProgrammeStatus.AGENDA, ProgrammeStatus.MATCHING):
            assert item.percent_done == 0
        if status == ProgrammeStatus.COMPLETED and item.status != "dropped":
            assert item.percent_done == 100


def test_a_school_with_programmes_is_refused_and_left_as_it_was(school):
    before = count_rows(school)

    with pytest.raises(SchoolNotEmpty, match=f"already has {SIZE} programmes"):
        build_demo_school(school, size=5)

    assert count_rows(school) == before


def test_a_size_below_one_is_refused(school):
    with pytest.raises(InvalidValue, match="Size"):
        build_demo_school(school, size=0)


def test_regions_expertise_and_needs_use_the_schools_shared_words(school):
    mentors = school.execute(select(Mentor)).scalars().all()
    clients = school.execute(select(Client)).scalars().all()
    areas = set(school.execute(select(Need.area)).scalars())

    assert {person.region for person in [*mentors, *clients]} <= set(REGIONS)
    for mentor in mentors:
        assert set(mentor.expertise.split(", ")) <= set(AREAS)
    assert areas <= set(AREAS)
    assert "media" in AREAS and "policy" in AREAS


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("Denmark", "Northern Europe"),
        ("Germany", "Central Europe"),
        ("Romania", "Eastern Europe"),
        ("Nigeria", "West Africa"),
        ("Japan", "East Asia"),
        ("Canada", "North America"),
    ],
)
def test_each_country_lies_in_its_region(country, region):
    assert country_named(country).region == region


def test_no_agenda_repeats_an_item_title(school):
    for agenda in school.execute(select(LearningAgenda)).scalars():
        titles = [item.title for item in agenda.items]

        assert len(titles) == len(set(titles)), titles


def test_revision_reasons_speak_of_what_their_line_pays_for(school):
    revisions = school.execute(select(BudgetRevision)).scalars().all()

    assert revisions, "some budgets are revised"
    for revision in revisions:
        rises, cuts = REASONS[revision.budget_line.category]
        reasons = rises if revision.amount_change > 0 else cuts
        assert revision.reason in reasons
        step = money_step(revision.budget.programme.currency)
        assert revision.amount_change % step == 0, revision.amount_change


def test_expenses_are_round_sums_worth_invoicing_and_never_in_the_future(school):
    expenses = school.execute(select(Expense)).scalars().all()

    for expense in expenses:
        currency = expense.programme.currency
        smallest = euros_to(currency, SMALLEST_INVOICE[expense.budget_line.category])
        assert expense.amount % invoice_unit(currency) == 0, expense.amount
        assert expense.amount >= smallest
        assert expense.incurred_on <= REFERENCE_DATE


def test_expenses_are_paid_from_their_own_programmes_lines_while_it_ran(school):
    # Expenses go in as one bulk insert, unseen by the checks made on saving:
    # what those checks promise must hold of the demo's invoices all the same.
    line_budgets = dict(
        school.execute(select(BudgetLine.id, BudgetLine.budget_id)).all()
    )
    budgets = dict(school.execute(select(Budget.programme_id, Budget.id)).all())
    started = dict(school.execute(select(Programme.id, Programme.start_date)).all())
    expenses = school.execute(select(Expense)).scalars().all()

    assert expenses
    for expense in expenses:
        assert line_budgets[expense.budget_line_id] == budgets[expense.programme_id]
        assert expense.amount > 0
        assert started[expense.programme_id] <= expense.incurred_on <= REFERENCE_DATE
        assert expense.version == 1 and expense.created_at is not None


def test_budgets_have_many_lines_and_running_programmes_many_invoices(school):
    lines = defaultdict(list)
    for budget_id, description in school.execute(
        select(BudgetLine.budget_id, BudgetLine.description)
    ):
        lines[budget_id].append(description)
    invoices = dict(
        school.execute(
            select(Expense.programme_id, func.count()).group_by(Expense.programme_id)
        ).all()
    )

    assert sum(map(len, lines.values())) / len(lines) >= 8
    assert sum(invoices.values()) / len(invoices) >= 40
    for descriptions in lines.values():
        assert len(descriptions) == len(set(descriptions)), descriptions


def test_agreement_fees_differ_and_are_round_sums(school):
    agreements = school.execute(select(Agreement)).scalars().all()
    fees = [agreement.fee for agreement in agreements]

    assert len(set(fees)) > len(fees) // 2
    for agreement in agreements:
        currency = agreement.programme.currency
        assert agreement.fee % money_step(currency) == 0, agreement.fee


def test_japanese_names_are_spelt_by_their_own_reading():
    fake = Faker("ja_JP")
    fake.seed_instance(3)
    readings = {kanji: latin for kanji, _, latin in JapaneseNames.last_name_pairs}

    for _ in range(20):
        name, latin = person_name(fake, "ja_JP", " ")
        family = name.split(" ")[0]
        assert latin.split(" ")[1] == readings[family]


def test_other_scripts_are_spelt_in_latin_letters():
    assert latin_letters("Георгій Гузій") == "heorhii huzii"
    assert latin_letters("Ζαφείρης") == "zafeiris"
    assert latin_letters("ოქრუაშვილი") == "okruashvili"
    assert latin_letters("Søren Łukasz Zoltán") == "soren lukasz zoltan"


def test_korean_names_come_with_their_usual_romanisation():
    fake = Faker("ko_KR")
    fake.seed_instance(5)

    name, latin = person_name(fake, "ko_KR", "")

    families = NAME_PAIRS["ko_KR"][1]
    assert (name[0], latin.split(" ")[1]) in families

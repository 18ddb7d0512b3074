"""The School's rules hold on every flush, whichever way a change arrives."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from plp.enums import (
    ActivityType,
    AgreementStatus,
    BudgetCategory,
    Channel,
    ConsentDecision,
    ConsentSide,
    MatchState,
    PeerRole,
    ProgrammeStatus,
    Role,
    RolesOffered,
)
from plp.errors import InvalidValue, RecordInUse, RuleBroken
from plp.models import (
    AgendaItem,
    Agreement,
    AuditEvent,
    Budget,
    BudgetLine,
    BudgetRevision,
    Client,
    Consent,
    ExchangeRate,
    Expense,
    FundingApplication,
    LearningAgenda,
    Match,
    Mentor,
    Need,
    NeedsAssessment,
    Programme,
    ProgressUpdate,
    Seminar,
    User,
)
from plp.rules import count_dependants
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
    new_agreement,
)

ON = date(2026, 3, 1)


def count_rows(session, model) -> int:
    """Return how many rows a model's table holds."""
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@contextmanager
def statements(session):
    """Collect the SQL statements the session sends while the block runs."""
    sent: list[str] = []
    engine = session.get_bind()

    def collect(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", collect)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", collect)


def selects(sent: list[str]) -> list[str]:
    """Return the statements that read rather than write."""
    return [statement for statement in sent if statement.lstrip().startswith("SELECT")]


def add_line(session, budget, amount="100.00") -> BudgetLine:
    line = BudgetLine(
        budget=budget,
        category=BudgetCategory.TRAVEL,
        description="Flights",
        amount=Decimal(amount),
    )
    session.add(line)
    return line


def add_item(session, agenda, cost="0.00", **fields) -> AgendaItem:
    item = AgendaItem(
        agenda=agenda,
        title="Study visit",
        activity_type=ActivityType.STUDY_VISIT,
        cost=Decimal(cost),
        **fields,
    )
    session.add(item)
    return item


def add_revision(session, budget, amount, approver=None, **fields) -> BudgetRevision:
    values = {
        "budget": budget,
        "amount_change": Decimal(amount),
        "reason": "A second study visit",
        "approved_by": approver or make_user(session, Role.FINANCE),
        "approved_on": ON,
        **fields,
    }
    revision = BudgetRevision(**values)
    session.add(revision)
    return revision


def add_expense(session, programme, line=None, amount="10.00") -> Expense:
    expense = Expense(
        programme=programme,
        budget_line=line,
        incurred_on=ON,
        amount=Decimal(amount),
        payee="Airline",
    )
    session.add(expense)
    return expense


# Timestamps.


def test_a_moment_without_a_time_zone_is_refused(session):
    session.add(
        AuditEvent(
            entity_type="Programme",
            entity_id=1,
            action="note",
            occurred_at=datetime(2026, 3, 1, 12, 0),
        )
    )

    with pytest.raises(InvalidValue, match=r"Occurred at: .* has no time zone"):
        session.flush()


def test_a_moment_comes_back_as_the_same_instant_in_utc(session):
    plus_two = timezone(timedelta(hours=2))
    audit = AuditEvent(
        entity_type="Programme",
        entity_id=1,
        action="note",
        occurred_at=datetime(2026, 3, 1, 12, 0, tzinfo=plus_two),
    )
    session.add(audit)
    session.commit()
    session.expire_all()

    stored = session.get(AuditEvent, audit.id).occurred_at
    raw = session.execute(text("SELECT occurred_at FROM audit_events")).scalar_one()

    assert stored == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)
    assert stored.hour == 10
    if isinstance(raw, str):  # SQLite keeps the text it was given: UTC, no zone
        assert raw.startswith("2026-03-01 10:00:00")
    else:
        assert raw.astimezone(UTC).hour == 10


# Whole numbers and dates.


def test_a_whole_number_too_large_to_store_is_refused_and_named(session):
    mentor = make_mentor(session)
    session.commit()

    mentor.capacity = 99_999_999_999
    with pytest.raises(InvalidValue) as refused:
        session.flush()

    assert str(refused.value) == (
        "Capacity: 99,999,999,999 is too large; give at most 2,147,483,647"
    )


def test_the_largest_whole_number_stored_is_accepted(session):
    mentor = make_mentor(session, capacity=2_147_483_647)
    session.commit()
    session.expire_all()

    assert session.get(Mentor, mentor.id).capacity == 2_147_483_647


@pytest.mark.parametrize("day", [date(225, 3, 1), date(9999, 12, 31)])
def test_a_date_in_an_implausible_year_is_refused(session, day):
    with pytest.raises(InvalidValue) as refused:
        make_programme(session, start_date=day)
    session.rollback()

    assert str(refused.value) == (
        f"Start date: {day.isoformat()} is not between the years 1900 and 2199; "
        "check the year"
    )
    assert session.scalar(select(func.count(Programme.id))) == 0


# Foreign keys and deletion.


def test_the_database_refuses_a_row_pointing_at_nothing(session):
    dangling = insert(BudgetLine).values(
        budget_id=999_999,
        category="travel",
        description="Flights",
        amount=Decimal("1.00"),
        version=1,
    )

    with pytest.raises(IntegrityError):
        session.execute(dangling)


def test_a_client_with_programmes_cannot_be_deleted(session):
    programme = make_programme(session)
    session.commit()

    session.delete(programme.client)
    with pytest.raises(RecordInUse, match="client cannot be deleted: 1 programme"):
        session.flush()

    session.rollback()
    assert count_rows(session, Programme) == 1


def test_a_budget_line_with_expenses_cannot_be_deleted(session):
    programme = make_programme(session)
    line = make_budget(session, programme, ["100.00"]).lines[0]
    add_expense(session, programme, line)
    add_expense(session, programme, line)
    session.commit()

    session.delete(line)
    with pytest.raises(RecordInUse, match="budget line cannot be deleted: 2 expenses"):
        session.flush()


def test_a_budget_line_an_agenda_item_costs_against_cannot_be_deleted(session):
    programme = make_programme(session)
    line = make_budget(session, programme, ["100.00"]).lines[0]
    add_item(session, make_agenda(session, programme), budget_line=line)
    session.commit()

    session.delete(line)
    with pytest.raises(RecordInUse, match="1 agenda item still depends on it"):
        session.flush()


def test_a_mentor_with_matches_cannot_be_deleted_and_is_not_named(session):
    mentor = make_mentor(session, name="Ana Pauker")
    make_match(session, make_programme(session), mentor)
    session.commit()

    session.delete(mentor)
    with pytest.raises(RecordInUse, match="mentor cannot be deleted: 1 match") as err:
        session.flush()
    assert "Ana" not in str(err.value)
    assert "unavailable instead" in str(err.value)


def test_a_facilitator_with_programmes_cannot_be_deleted(session):
    facilitator = make_user(session)
    make_programme(session, facilitator=facilitator)
    make_programme(session, facilitator=facilitator)
    session.commit()

    session.delete(facilitator)
    with pytest.raises(
        RecordInUse, match="user cannot be deleted: 2 programmes"
    ) as err:
        session.flush()
    assert "Deactivate the account instead" in str(err.value)


def test_deleting_a_needs_assessment_removes_its_needs(session):
    assessment = make_assessment(session, make_programme(session), ["media", "law"])
    session.commit()

    session.delete(assessment)
    session.commit()

    assert count_rows(session, Need) == 0
    assert count_rows(session, NeedsAssessment) == 0


def test_a_needs_assessment_whose_need_an_agenda_item_serves_cannot_be_deleted(
    session,
):
    programme = make_programme(session)
    assessment = make_assessment(session, programme, ["media"])
    add_item(session, make_agenda(session, programme), need=assessment.needs[0])
    session.commit()

    assert count_dependants(session, assessment) == {"agenda item": 1}
    session.delete(assessment)
    with pytest.raises(RecordInUse, match="1 agenda item still depends on it"):
        session.flush()


def test_a_programme_with_an_empty_plan_can_be_deleted_leaving_no_orphans(session):
    programme = make_programme(session)
    make_assessment(session, programme)
    make_budget(session, programme)
    make_agenda(session, programme)
    session.commit()

    session.delete(programme)
    session.commit()

    for model in (Programme, NeedsAssessment, Budget, LearningAgenda):
        assert count_rows(session, model) == 0


def test_a_programme_with_a_draft_plan_goes_with_all_of_it(session):
    programme = make_programme(session)
    need = make_assessment(session, programme, ["media"]).needs[0]
    line = make_budget(session, programme, ["100.00"]).lines[0]
    item = add_item(
        session, make_agenda(session, programme), need=need, budget_line=line
    )
    session.add(ProgressUpdate(item=item, percent_done=40))
    session.commit()
    programme_id = programme.id
    session.expunge_all()

    session.delete(session.get(Programme, programme_id))
    session.commit()

    for model in (Need, BudgetLine, AgendaItem, ProgressUpdate, LearningAgenda):
        assert count_rows(session, model) == 0


def test_a_programme_with_spending_cannot_be_deleted(session):
    programme = make_programme(session)
    line = make_budget(session, programme, ["100.00"]).lines[0]
    add_expense(session, programme, line)
    session.commit()

    session.delete(programme)
    with pytest.raises(RecordInUse, match="1 expense still depends on it") as err:
        session.flush()
    assert "Withdraw the programme instead" in str(err.value)


def test_count_dependants_follows_cascades_down_to_what_blocks(session):
    programme = make_programme(session)
    need = make_assessment(session, programme, ["media"]).needs[0]
    line = make_budget(session, programme, ["100.00", "50.00"]).lines[0]
    make_agenda(session, programme)
    make_match(
        session, programme, make_mentor(session), MatchState.SHORTLISTED
    ).need = need
    add_expense(session, programme, line)
    add_expense(session, programme)
    session.commit()

    assert count_dependants(session, programme) == {"expenses": 2, "match": 1}
    assert count_dependants(session, line) == {"expense": 1}
    assert count_dependants(session, line.budget) == {"expense": 1}
    assert count_dependants(session, need) == {"match": 1}


def test_count_dependants_ignores_what_is_being_deleted_too(session):
    programme = make_programme(session)
    line = make_budget(session, programme, ["100.00"]).lines[0]
    expense = add_expense(session, programme, line)
    session.commit()

    session.delete(expense)

    assert count_dependants(session, line) == {}


def test_a_refused_deletion_names_the_record_that_is_in_use(session):
    programme = make_programme(session)
    line = make_budget(session, programme, ["100.00"]).lines[0]
    unused = make_mentor(session)
    add_expense(session, programme, line)
    session.commit()

    session.delete(unused)
    session.delete(line)
    with pytest.raises(RecordInUse, match="This budget line cannot be deleted"):
        session.flush()


MATCH_KEPT = (
    "This match cannot be deleted: only a shortlisted match that was never "
    "proposed can be deleted. A match that went further stays on the record: "
    "decline or withdraw it instead while it is open."
)


@pytest.mark.parametrize("consenting", [(), (ConsentSide.MENTOR,), tuple(ConsentSide)])
def test_a_proposed_match_is_ended_rather_than_deleted(session, consenting):
    match = make_match(
        session, make_programme(session), make_mentor(session), MatchState.PROPOSED
    )
    for side in consenting:
        session.add(
            Consent(
                match=match,
                side=side,
                decision=ConsentDecision.GIVEN,
                channel=Channel.EMAIL,
            )
        )
    session.commit()

    session.delete(match)
    with pytest.raises(RuleBroken) as refused:
        session.flush()

    # The same words however many sides said yes: nothing of their word leaks.
    assert str(refused.value) == MATCH_KEPT


@pytest.mark.parametrize(
    "state", [MatchState.DISCLOSED, MatchState.WITHDRAWN, MatchState.DECLINED]
)
def test_a_match_past_the_shortlist_cannot_be_deleted(session, state):
    match = make_match(session, make_programme(session), make_mentor(session), state)
    session.commit()

    session.delete(match)
    with pytest.raises(RuleBroken, match="only a shortlisted match"):
        session.flush()


def test_a_shortlisted_match_once_proposed_cannot_be_deleted(session):
    match = make_match(
        session, make_programme(session), make_mentor(session), MatchState.SHORTLISTED
    )
    match.proposed_at = datetime(2026, 4, 1, tzinfo=UTC)
    session.commit()

    session.delete(match)
    with pytest.raises(RuleBroken, match="only a shortlisted match"):
        session.flush()


def test_a_shortlisted_match_never_proposed_can_be_deleted(session):
    match = make_match(
        session, make_programme(session), make_mentor(session), MatchState.SHORTLISTED
    )
    session.commit()

    session.delete(match)
    session.commit()

    assert count_rows(session, Match) == 0


def test_count_dependants_asks_the_same_few_questions_however_many_rows(session):
    small = make_programme(session)
    make_budget(session, small, ["1.00"])
    make_agenda(session, small, ["1.00"])
    large = make_programme(session)
    make_budget(session, large, ["1.00"] * 60)
    make_agenda(session, large, ["1.00"] * 60)
    session.commit()

    with statements(session) as for_small:
        count_dependants(session, small)
    with statements(session) as for_large:
        count_dependants(session, large)

    assert len(for_large) == len(for_small)
    assert len(for_small) < 30


def test_an_agreed_budget_cannot_be_deleted_even_with_its_programme(session):
    programme = make_programme(session)
    make_budget(session, programme, ["100.00"], agreed=True)
    session.commit()

    session.delete(programme)
    with pytest.raises(RuleBroken, match="is agreed with the client"):
        session.flush()


# Dates in order.


def _programme_ending_early(session):
    programme = make_programme(session)
    programme.start_date = ON
    programme.target_end_date = ON - timedelta(days=1)


def _item_due_before_start(session):
    agenda = make_agenda(session, make_programme(session))
    add_item(session, agenda, planned_start=ON, due_date=ON - timedelta(days=1))


def _agreement_ending_early(session):
    agreement = new_agreement(session, make_programme(session), make_mentor(session))
    agreement.start_date = ON
    agreement.end_date = ON - timedelta(days=1)


def _seminar_ending_early(session):
    session.add(
        Seminar(
            title="Campaigning",
            starts_on=ON,
            ends_on=ON - timedelta(days=1),
            currency="EUR",
        )
    )


def _funding_decided_before_submitted(session):
    session.add(
        FundingApplication(
            programme=make_programme(session),
            funder="A Trust",
            amount_asked=Decimal("100.00"),
            submitted_on=ON,
            decided_on=ON - timedelta(days=1),
        )
    )


@pytest.mark.parametrize(
    ("make_dates", "message"),
    [
        (_programme_ending_early, "Target end date: 2026-02-28 is before the start"),
        (_item_due_before_start, "Due date: 2026-02-28 is before the start"),
        (_agreement_ending_early, "End date: 2026-02-28 is before the start date"),
        (_seminar_ending_early, "Ends on: 2026-02-28 is before the starts on"),
        (_funding_decided_before_submitted, "Decided on: 2026-02-28 is before the"),
    ],
)
def test_dates_out_of_order_are_refused(session, make_dates, message):
    make_dates(session)

    with pytest.raises(InvalidValue, match=message):
        session.flush()


def test_the_same_day_for_start_and_end_is_allowed(session):
    programme = make_programme(session, start_date=ON, target_end_date=ON)
    session.commit()

    assert programme.target_end_date == ON


# Currencies.


def test_a_programme_needs_an_iso_currency(session):
    programme = make_programme(session)
    programme.currency = "XYZ"

    with pytest.raises(InvalidValue, match="Currency: XYZ is not an ISO 4217"):
        session.flush()


def test_a_currency_typed_in_lower_case_is_stored_in_capitals(session):
    programme = make_programme(session, currency="eur")

    assert programme.currency == "EUR"


def test_a_seminar_needs_an_iso_currency(session):
    session.add(Seminar(title="Campaigning", starts_on=ON, ends_on=ON, currency="EURO"))

    with pytest.raises(InvalidValue, match="Currency: EURO is not an ISO 4217"):
        session.flush()


@pytest.mark.parametrize(
    ("currency", "reporting", "field"),
    [("GBX", "GBP", "Currency"), ("EUR", "POUND", "Reporting currency")],
)
def test_an_exchange_rate_needs_iso_currencies(session, currency, reporting, field):
    session.add(
        ExchangeRate(
            currency=currency,
            reporting_currency=reporting,
            rate=Decimal("0.85"),
            valid_from=ON,
        )
    )

    with pytest.raises(InvalidValue, match=f"{field}: .* is not an ISO 4217"):
        session.flush()


def test_an_exchange_rate_must_be_more_than_zero(session):
    session.add(
        ExchangeRate(
            currency="EUR", reporting_currency="GBP", rate=Decimal("0"), valid_from=ON
        )
    )

    with pytest.raises(InvalidValue, match="Rate: an exchange rate must be more"):
        session.flush()


# The budget, once agreed.


@pytest.fixture
def agreed_budget(session) -> Budget:
    """Return an agreed budget of 1,000.00 with two lines, committed."""
    budget = make_budget(
        session, make_programme(session), ["600.00", "400.00"], agreed=True
    )
    session.commit()
    return budget


def test_the_agreed_total_cannot_be_edited(session, agreed_budget):
    agreed_budget.agreed_total = Decimal("1200.00")

    with pytest.raises(RuleBroken, match="is a baseline: record a budget revision"):
        session.flush()


def test_a_line_cannot_be_added_after_agreement(session, agreed_budget):
    add_line(session, agreed_budget)

    with pytest.raises(RuleBroken, match="is agreed: its lines no longer change"):
        session.flush()


def test_a_line_cannot_be_added_by_budget_id_after_agreement(session, agreed_budget):
    session.add(
        BudgetLine(
            budget_id=agreed_budget.id,
            category=BudgetCategory.OTHER,
            description="Printing",
            amount=Decimal("5.00"),
        )
    )

    with pytest.raises(RuleBroken, match="Record a budget revision instead"):
        session.flush()


def test_a_line_cannot_be_edited_after_agreement(session, agreed_budget):
    reference = agreed_budget.programme.reference
    agreed_budget.lines[0].amount = Decimal("650.00")

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"The budget of {reference} is agreed: its lines no longer change. "
        "Record a budget revision instead."
    )


def test_a_refusal_that_starts_with_a_reference_keeps_it_as_written(session):
    programme = make_programme(session)
    programme.facilitator = make_user(session)
    session.commit()
    programme.status = ProgrammeStatus.ACTIVE

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value).startswith(
        f"{programme.reference} cannot be active before its budget is agreed"
    )


def test_a_line_cannot_be_deleted_after_agreement(session, agreed_budget):
    session.delete(agreed_budget.lines[0])

    with pytest.raises(RuleBroken, match="is agreed: its lines no longer change"):
        session.flush()


def test_lines_change_freely_before_agreement(session):
    budget = make_budget(session, make_programme(session), ["10.00", "20.00"])
    session.commit()

    budget.lines[0].amount = Decimal("15.00")
    session.delete(budget.lines[1])
    add_line(session, budget, "5.00")
    session.commit()

    assert sorted(line.amount for line in budget.lines) == [
        Decimal("5.00"),
        Decimal("15.00"),
    ]


def test_a_budget_can_be_agreed_once(session):
    budget = make_budget(session, make_programme(session), ["10.00"])
    session.commit()

    budget.agreed_total = Decimal("10.00")
    session.commit()

    assert budget.is_agreed


def test_a_revision_records_the_change_the_reason_and_the_approver(
    session, agreed_budget
):
    approver = make_user(session, Role.FINANCE, name="Grace Finance")
    add_revision(session, agreed_budget, "250.00", approver)
    session.commit()
    session.expire_all()

    revision = agreed_budget.revisions[0]
    assert revision.amount_change == Decimal("250.00")
    assert revision.reason == "A second study visit"
    assert revision.approved_by.name == "Grace Finance"
    assert agreed_budget.current_total == Decimal("1250.00")


def test_a_revision_cannot_be_edited(session, agreed_budget):
    revision = add_revision(session, agreed_budget, "250.00")
    session.commit()

    revision.reason = "Something else"
    with pytest.raises(RuleBroken, match="budget revision is part of the record"):
        session.flush()


def test_a_revision_cannot_be_deleted(session, agreed_budget):
    revision = add_revision(session, agreed_budget, "250.00")
    session.commit()

    session.delete(revision)
    with pytest.raises(RuleBroken, match="budget revision is part of the record"):
        session.flush()


def test_a_revision_needs_an_agreed_budget(session):
    budget = make_budget(session, make_programme(session), ["10.00"])
    add_revision(session, budget, "5.00")

    with pytest.raises(RuleBroken, match="is not agreed yet: change its lines"):
        session.flush()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "  "}, "Reason: say why the budget changes"),
        ({"amount_change": Decimal("0.00")}, "Amount change: give the amount"),
        ({"approved_on": None}, "Approved on: give the date"),
    ],
)
def test_a_revision_must_be_complete(session, agreed_budget, fields, message):
    add_revision(session, agreed_budget, "5.00", **fields)

    with pytest.raises(InvalidValue, match=message):
        session.flush()


def test_a_revision_needs_an_approver(session, agreed_budget):
    revision = add_revision(session, agreed_budget, "5.00")
    revision.approved_by = None

    with pytest.raises(InvalidValue, match="Approved by: name the administrator"):
        session.flush()


def test_a_facilitator_cannot_approve_a_revision(session, agreed_budget):
    add_revision(session, agreed_budget, "5.00", make_user(session, Role.FACILITATOR))

    with pytest.raises(RuleBroken, match="only an administrator or a finance officer"):
        session.flush()


def test_a_revision_cannot_take_the_budget_below_zero(session, agreed_budget):
    add_revision(session, agreed_budget, "-600.00")
    add_revision(session, agreed_budget, "-400.01")

    with pytest.raises(RuleBroken, match=r"to -0.01, below zero"):
        session.flush()


def test_a_revision_names_a_line_of_its_own_budget(session, agreed_budget):
    other = make_budget(session, make_programme(session), ["5.00"])
    add_revision(session, agreed_budget, "5.00", budget_line=other.lines[0])

    with pytest.raises(InvalidValue, match="Budget line: the line belongs to another"):
        session.flush()


def _consent(session) -> Consent:
    match = make_match(session, make_programme(session), make_mentor(session))
    consent = Consent(
        match=match,
        side=ConsentSide.CLIENT,
        decision=ConsentDecision.GIVEN,
        channel=Channel.EMAIL,
    )
    session.add(consent)
    session.commit()
    return consent


def _audit_event(session) -> AuditEvent:
    audit = AuditEvent(entity_type="Programme", entity_id=1, action="activate")
    session.add(audit)
    session.commit()
    return audit


@pytest.mark.parametrize(
    ("make_record", "attribute", "value"),
    [(_consent, "note", "changed my mind"), (_audit_event, "action", "complete")],
)
def test_consents_and_audit_events_cannot_be_changed(
    session, make_record, attribute, value
):
    record = make_record(session)

    setattr(record, attribute, value)
    with pytest.raises(RuleBroken, match="part of the record and cannot be changed"):
        session.flush()


@pytest.mark.parametrize("make_record", [_consent, _audit_event])
def test_consents_and_audit_events_cannot_be_deleted(session, make_record):
    record = make_record(session)

    session.delete(record)
    with pytest.raises(RuleBroken, match="part of the record and cannot be deleted"):
        session.flush()


# A programme becomes active only when it can run.


def test_a_programme_cannot_become_active_without_a_facilitator(session):
    programme = make_programme(session)
    make_budget(session, programme, ["100.00"], agreed=True)
    session.commit()

    programme.status = ProgrammeStatus.ACTIVE
    with pytest.raises(RuleBroken, match="cannot be active without a learning facil"):
        session.flush()


def test_a_programme_cannot_become_active_before_its_budget_is_agreed(session):
    programme = make_programme(session, facilitator=make_user(session))
    make_budget(session, programme, ["100.00"])
    session.commit()

    programme.status = ProgrammeStatus.ACTIVE
    with pytest.raises(RuleBroken, match="before its budget is agreed"):
        session.flush()


def test_a_programme_cannot_become_active_without_any_budget(session):
    programme = make_programme(session, facilitator=make_user(session))
    session.commit()

    programme.status = ProgrammeStatus.ACTIVE
    with pytest.raises(RuleBroken, match="before its budget is agreed"):
        session.flush()


def test_a_programme_with_a_facilitator_and_agreed_budget_can_be_active(session):
    programme = make_programme(session, facilitator=make_user(session))
    session.commit()

    session.add(
        Budget(programme_id=programme.id, agreed_total=Decimal("0.00"), agreed_on=ON)
    )
    programme.status = ProgrammeStatus.ACTIVE
    session.commit()

    assert programme.status == ProgrammeStatus.ACTIVE


def test_an_active_programme_keeps_its_facilitator(session):
    programme = make_programme(session, ProgrammeStatus.ACTIVE)
    session.commit()

    programme.facilitator = None
    with pytest.raises(RuleBroken, match="without a learning facilitator"):
        session.flush()


# Agenda costs stay within the agreed budget.


@pytest.fixture
def agenda(session) -> LearningAgenda:
    """Return an agenda of 900.00 whose programme's budget of 1,000.00 is agreed."""
    programme = make_programme(session)
    make_budget(session, programme, ["1000.00"], agreed=True)
    agenda = make_agenda(session, programme, ["600.00", "300.00"])
    session.commit()
    return agenda


def test_agenda_costs_cannot_exceed_the_agreed_budget(session, agenda):
    add_item(session, agenda, "100.01")

    with pytest.raises(RuleBroken) as err:
        session.flush()
    message = str(err.value)
    assert "would cost 1000.01 GBP, more than its agreed budget of 1000.00" in message
    assert "record a budget revision of at least 0.01 first" in message


def test_agenda_costs_may_reach_the_agreed_budget_exactly(session, agenda):
    add_item(session, agenda, "100.00")
    session.commit()

    assert sum(item.cost for item in agenda.items) == Decimal("1000.00")


def test_raising_an_item_cost_above_the_budget_is_refused(session, agenda):
    agenda.items[0].cost = Decimal("800.00")

    with pytest.raises(RuleBroken, match=r"would cost 1100.00 GBP"):
        session.flush()


def test_an_item_added_by_agenda_id_is_counted(session, agenda):
    session.add(
        AgendaItem(
            agenda_id=agenda.id,
            title="Seminar",
            activity_type=ActivityType.SEMINAR,
            cost=Decimal("500.00"),
        )
    )

    with pytest.raises(RuleBroken, match=r"would cost 1400.00 GBP"):
        session.flush()


def test_a_recorded_revision_allows_the_higher_cost(session, agenda):
    add_item(session, agenda, "400.00")
    with pytest.raises(RuleBroken):
        session.flush()
    session.rollback()

    add_revision(session, agenda.programme.budget, "300.00")
    session.commit()
    add_item(session, agenda, "400.00")
    session.commit()

    assert len(agenda.items) == 3


def test_a_revision_and_the_cost_it_covers_may_arrive_together(session, agenda):
    add_revision(session, agenda.programme.budget, "300.00")
    add_item(session, agenda, "400.00")
    session.commit()

    assert agenda.programme.budget.current_total == Decimal("1300.00")


def test_a_lowering_revision_cannot_leave_the_agenda_uncovered(session, agenda):
    add_revision(session, agenda.programme.budget, "-100.01")

    with pytest.raises(RuleBroken, match=r"more than its agreed budget of 899.99"):
        session.flush()


def test_a_budget_cannot_be_agreed_below_its_agenda(session):
    programme = make_programme(session)
    budget = make_budget(session, programme, ["500.00"])
    make_agenda(session, programme, ["700.00"])
    session.commit()

    budget.agreed_total = Decimal("500.00")
    with pytest.raises(RuleBroken, match=r"would cost 700.00 GBP"):
        session.flush()


def test_an_agenda_is_free_until_the_budget_is_agreed(session):
    programme = make_programme(session)
    make_budget(session, programme, ["500.00"])
    agenda = make_agenda(session, programme, ["700.00"])
    session.commit()

    assert agenda.items[0].cost == Decimal("700.00")


def test_deleting_an_item_frees_its_cost(session, agenda):
    session.delete(agenda.items[0])
    add_item(session, agenda, "600.00")
    session.commit()

    session.refresh(agenda)
    assert sum(item.cost for item in agenda.items) == Decimal("900.00")


# A saved record stays with its programme and with what it is part of.


def test_an_agreed_budget_cannot_move_to_another_programme(session, agreed_budget):
    owner = agreed_budget.programme
    other = make_programme(session)
    session.commit()
    agreed_budget.programme_id = other.id

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        "Programme: a budget stays with the programme it was made for; "
        "create a new one instead."
    )
    session.rollback()
    assert agreed_budget.programme_id == owner.id


def test_a_budget_cannot_be_moved_through_its_relationship(session):
    budget = make_budget(session, make_programme(session), ["10.00"])
    session.commit()
    budget.programme = make_programme(session, client=budget.programme.client)

    with pytest.raises(RuleBroken, match="Programme: a budget stays with"):
        session.flush()


def saved_records(session) -> dict:
    """Save one of each record that hangs from a programme or another record."""
    programme = make_programme(session, ProgrammeStatus.ACTIVE)
    assessment = make_assessment(session, programme, ["Campaigning"])
    agenda = make_agenda(session, programme, ["10.00"])
    agreement = make_agreement(session, programme, make_mentor(session, capacity=2))
    expense = Expense(
        programme=programme,
        payee="Rail company",
        description="Train fare",
        amount=Decimal("12.00"),
        incurred_on=date(2026, 2, 1),
    )
    session.add(expense)
    session.flush()
    return {
        "programme": programme,
        "need": assessment.needs[0],
        "line": programme.budget.lines[0],
        "item": agenda.items[0],
        "agreement": agreement,
        "match": agreement.match,
        "expense": expense,
    }


@pytest.mark.parametrize(
    ("record", "key", "message"),
    [
        ("expense", "programme_id", "Programme: an expense stays with the programme"),
        ("match", "programme_id", "Programme: a match stays with the programme"),
        ("match", "mentor_id", "Mentor: a match stays with the mentor"),
        ("agreement", "match_id", "Match: an agreement stays with the match"),
        ("need", "assessment_id", "Needs assessment: a need stays with"),
        ("line", "budget_id", "Budget: a budget line stays with the budget"),
        ("item", "agenda_id", "Learning agenda: an agenda item stays with"),
    ],
)
def test_a_saved_record_keeps_its_programme_and_parent(session, record, key, message):
    records = saved_records(session)
    others = saved_records(session)
    session.commit()
    setattr(records[record], key, getattr(others[record], key))

    with pytest.raises(RuleBroken, match=message):
        session.flush()


def test_other_fields_of_a_saved_record_still_change(session):
    records = saved_records(session)
    session.commit()
    records["expense"].description = "Train fare, return"
    records["item"].title = "Renamed milestone"

    session.commit()

    assert records["expense"].description == "Train fare, return"


# Links stay inside one programme.


def test_an_agenda_item_cannot_cost_against_another_programmes_line(session, agenda):
    stranger = make_budget(session, make_programme(session), ["5.00"]).lines[0]
    add_item(session, agenda, budget_line=stranger)

    with pytest.raises(InvalidValue, match=r"Budget line: .* belongs to another"):
        session.flush()


def test_an_agenda_item_cannot_serve_another_programmes_need(session, agenda):
    stranger = make_assessment(session, make_programme(session), ["law"]).needs[0]
    add_item(session, agenda, need=stranger)

    with pytest.raises(InvalidValue, match=r"Need: .*law .* belongs to another"):
        session.flush()


def test_an_expense_dated_in_the_future_is_refused(session):
    tomorrow = date.today() + timedelta(days=1)
    expense = add_expense(session, make_programme(session))
    expense.incurred_on = tomorrow

    with pytest.raises(InvalidValue) as refused:
        session.flush()

    assert str(refused.value) == (
        f"Incurred on: {tomorrow.isoformat()} is in the future; record spending "
        "once it happened"
    )


def test_an_expense_cannot_be_moved_into_the_future(session):
    expense = add_expense(session, make_programme(session))
    session.commit()
    expense.incurred_on = date.today() + timedelta(days=30)

    with pytest.raises(InvalidValue, match="is in the future"):
        session.flush()


def test_an_expense_incurred_today_is_accepted(session):
    expense = add_expense(session, make_programme(session))
    expense.incurred_on = date.today()

    session.commit()

    assert expense.id is not None


def test_an_expense_cannot_be_charged_to_another_programmes_line(session):
    stranger = make_budget(session, make_programme(session), ["5.00"]).lines[0]
    add_expense(session, make_programme(session), stranger)

    with pytest.raises(InvalidValue, match=r"Budget line: .* belongs to another"):
        session.flush()


# An introduction moves on, never back, and never past a refusal.


def proposed_match(session, *words: tuple[ConsentSide, ConsentDecision]) -> Match:
    """Save a proposed match with each side's recorded word."""
    match = make_match(
        session, make_programme(session), make_mentor(session), MatchState.PROPOSED
    )
    for side, decision in words:
        session.add(
            Consent(match=match, side=side, decision=decision, channel=Channel.EMAIL)
        )
    session.commit()
    return match


@pytest.mark.parametrize(
    "decision", [ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN]
)
def test_a_match_is_not_disclosed_over_a_recorded_refusal(session, decision):
    match = proposed_match(
        session,
        (ConsentSide.CLIENT, ConsentDecision.GIVEN),
        (ConsentSide.MENTOR, decision),
    )
    match.state = MatchState.DISCLOSED

    with pytest.raises(RuleBroken, match=f"the mentor side's consent is {decision}"):
        session.flush()


def test_a_match_is_disclosed_once_both_sides_gave_consent(session):
    match = proposed_match(
        session,
        (ConsentSide.CLIENT, ConsentDecision.GIVEN),
        (ConsentSide.MENTOR, ConsentDecision.GIVEN),
    )
    match.state = MatchState.DISCLOSED

    session.commit()

    assert match.state == MatchState.DISCLOSED


@pytest.mark.parametrize("ended", [MatchState.DECLINED, MatchState.EXPIRED])
def test_an_ended_match_is_not_reopened(session, ended):
    match = proposed_match(session)
    match.state = ended
    session.commit()
    match.state = MatchState.PROPOSED

    with pytest.raises(RuleBroken, match=f"the match was {ended}; an ended match"):
        session.flush()


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        (MatchState.DISCLOSED, MatchState.PROPOSED, "disclosure cannot be undone"),
        (MatchState.INTERVIEW, MatchState.DISCLOSED, "cannot go back to disclosed"),
        (MatchState.PROPOSED, MatchState.SHORTLISTED, "cannot go back to shortlisted"),
    ],
)
def test_a_match_does_not_go_back(session, before, after, message):
    match = make_match(session, make_programme(session), make_mentor(session), before)
    session.commit()
    match.state = after

    with pytest.raises(RuleBroken, match=message):
        session.flush()


def test_a_disclosed_match_can_still_be_ended(session):
    match = make_match(
        session, make_programme(session), make_mentor(session), MatchState.INTERVIEW
    )
    session.commit()
    match.state = MatchState.WITHDRAWN

    session.commit()

    assert match.state == MatchState.WITHDRAWN


# A mentor's capacity.


def test_an_agreement_over_capacity_is_refused(session):
    mentor = make_mentor(session, capacity=1)
    make_agreement(session, make_programme(session), mentor)
    alias = mentor.alias_code
    session.commit()

    new_agreement(session, make_programme(session), mentor)
    with pytest.raises(RuleBroken, match=rf"{alias} is at capacity \(1 active agree"):
        session.flush()


def test_two_new_agreements_in_one_flush_are_both_counted(session):
    mentor = make_mentor(session, capacity=1)
    session.commit()

    new_agreement(session, make_programme(session), mentor)
    new_agreement(session, make_programme(session), mentor)
    with pytest.raises(RuleBroken, match="is at capacity"):
        session.flush()


def test_an_agreement_left_at_its_default_status_counts_as_active(session):
    mentor = make_mentor(session, capacity=1)
    make_agreement(session, make_programme(session), mentor)
    session.commit()

    agreement = new_agreement(session, make_programme(session), mentor)
    agreement.status = None
    with pytest.raises(RuleBroken, match="is at capacity"):
        session.flush()


def test_lowering_capacity_below_the_running_agreements_is_refused(session):
    mentor = make_mentor(session, capacity=3)
    make_agreement(session, make_programme(session), mentor)
    make_agreement(session, make_programme(session), mentor)
    session.commit()

    mentor.capacity = 1
    with pytest.raises(RuleBroken, match="has 2 active agreements, more than a capa"):
        session.flush()


def test_ending_an_agreement_frees_a_place(session):
    mentor = make_mentor(session, capacity=1)
    running = make_agreement(session, make_programme(session), mentor)
    session.commit()

    running.status = AgreementStatus.COMPLETED
    new_agreement(session, make_programme(session), mentor)
    session.commit()

    assert count_rows(session, Agreement) == 2


def test_reactivating_an_agreement_over_capacity_is_refused(session):
    mentor = make_mentor(session, capacity=1)
    ended = make_agreement(
        session, make_programme(session), mentor, AgreementStatus.ENDED
    )
    make_agreement(session, make_programme(session), mentor)
    session.commit()

    ended.status = AgreementStatus.ACTIVE
    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"{mentor.alias_code} is at capacity (1 active agreement at most): end "
        "one of their agreements or raise their capacity first."
    )
    assert mentor.name not in str(refused.value)


def test_reactivating_an_agreement_within_capacity_is_allowed(session):
    mentor = make_mentor(session, capacity=2)
    ended = make_agreement(
        session, make_programme(session), mentor, AgreementStatus.ENDED
    )
    make_agreement(session, make_programme(session), mentor)
    session.commit()

    ended.status = AgreementStatus.ACTIVE
    session.commit()

    assert ended.status == AgreementStatus.ACTIVE


def test_a_new_mentor_gets_the_default_capacity(session):
    mentor = Mentor(
        name="Mentor", email="mentor@example.net", roles_offered=RolesOffered.MENTOR
    )
    session.add(mentor)
    session.commit()

    assert mentor.capacity == 1


def test_a_negative_capacity_is_refused(session):
    make_mentor(session, capacity=2).capacity = -1

    with pytest.raises(InvalidValue, match="Capacity: -1 is not a number of clients"):
        session.flush()


def test_an_agreement_needs_a_disclosed_match(session):
    programme = make_programme(session)
    mentor = make_mentor(session)
    match = make_match(session, programme, mentor, MatchState.PROPOSED)
    session.add(
        Agreement(match=match, programme=programme, mentor=mentor, role=PeerRole.MENTOR)
    )

    with pytest.raises(RuleBroken, match="this match is still proposed"):
        session.flush()


def test_an_agreement_is_with_the_mentor_of_its_match(session):
    programme = make_programme(session)
    match = make_match(session, programme, make_mentor(session))
    session.add(
        Agreement(
            match=match,
            programme=programme,
            mentor=make_mentor(session),
            role=PeerRole.MENTOR,
        )
    )

    with pytest.raises(InvalidValue, match="between the programme and the mentor"):
        session.flush()


# Who a new match may approach: the shortlist's exclusions, whichever way in.


def new_match(session, programme, mentor, role=PeerRole.MENTOR, **fields) -> Match:
    """Add a match as a form, an import or a service would, not yet flushed."""
    match = Match(programme=programme, mentor=mentor, role=role, **fields)
    session.add(match)
    return match


def test_a_mentor_marked_do_not_approach_cannot_be_matched(session):
    mentor = make_mentor(session, do_not_approach=True)
    new_match(session, make_programme(session), mentor)

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"Mentor: {mentor.alias_code} is marked do not approach; nobody may "
        "approach them."
    )
    assert mentor.name not in str(refused.value)


@pytest.mark.parametrize(
    "status", [ProgrammeStatus.COMPLETED, ProgrammeStatus.WITHDRAWN]
)
def test_no_match_is_made_for_a_programme_that_no_longer_looks(session, status):
    programme = make_programme(session, status=status)
    new_match(session, programme, make_mentor(session))

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"{programme.reference} is {status}; only a running programme looks "
        "for mentors."
    )


def test_a_match_made_from_bare_ids_is_checked_the_same(session):
    mentor_id = make_mentor(session, do_not_approach=True).id
    programme_id = make_programme(session).id
    session.commit()
    session.expunge_all()

    session.add(
        Match(programme_id=programme_id, mentor_id=mentor_id, role=PeerRole.MENTOR)
    )

    with pytest.raises(RuleBroken, match="is marked do not approach"):
        session.flush()


def test_proposing_a_match_whose_mentor_was_marked_since_is_refused(session):
    mentor = make_mentor(session)
    match = make_match(session, make_programme(session), mentor, MatchState.SHORTLISTED)
    session.commit()
    mentor.do_not_approach = True
    session.commit()

    match.state = MatchState.PROPOSED
    with pytest.raises(RuleBroken, match="is marked do not approach"):
        session.flush()


def test_a_match_may_still_be_ended_after_its_mentor_was_marked(session):
    mentor = make_mentor(session)
    match = make_match(session, make_programme(session), mentor, MatchState.PROPOSED)
    mentor.do_not_approach = True
    session.commit()

    match.state = MatchState.WITHDRAWN
    session.commit()

    assert match.state == MatchState.WITHDRAWN


@pytest.mark.parametrize(
    "state", [MatchState.SHORTLISTED, MatchState.PROPOSED, MatchState.AGREED]
)
def test_a_second_match_of_one_mentor_and_programme_is_refused(session, state):
    programme, mentor = make_programme(session), make_mentor(session)
    make_match(session, programme, mentor, state)
    session.commit()

    new_match(session, programme, mentor, PeerRole.COACH)
    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"Mentor: {mentor.alias_code} is already matched with "
        f"{programme.reference} ({state}); open that match instead."
    )


def test_two_new_matches_of_one_mentor_and_programme_are_refused(session):
    programme, mentor = make_programme(session), make_mentor(session)
    new_match(session, programme, mentor, PeerRole.MENTOR)
    new_match(session, programme, mentor, PeerRole.COACH)

    with pytest.raises(RuleBroken, match="is already matched with"):
        session.flush()


def test_a_mentor_who_declined_is_not_matched_with_the_programme_again(session):
    programme, mentor = make_programme(session), make_mentor(session)
    make_match(session, programme, mentor, MatchState.DECLINED)
    session.commit()

    new_match(session, programme, mentor)
    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"Mentor: {mentor.alias_code} has a declined match with "
        f"{programme.reference}; they are not approached for it again."
    )


@pytest.mark.parametrize("state", [MatchState.WITHDRAWN, MatchState.EXPIRED])
def test_a_withdrawn_or_expired_match_leaves_the_mentor_approachable(session, state):
    programme, mentor = make_programme(session), make_mentor(session)
    make_match(session, programme, mentor, state)
    session.commit()

    new_match(session, programme, mentor)
    session.commit()

    assert count_rows(session, Match) == 2


def test_a_match_ended_in_the_same_change_makes_room_for_a_new_one(session):
    programme, mentor = make_programme(session), make_mentor(session)
    old = make_match(session, programme, mentor, MatchState.PROPOSED)
    session.commit()

    old.state = MatchState.WITHDRAWN
    new_match(session, programme, mentor)
    session.commit()

    assert count_rows(session, Match) == 2


def test_the_same_mentor_may_be_matched_with_another_programme(session):
    mentor = make_mentor(session)
    make_match(session, make_programme(session), mentor, MatchState.PROPOSED)
    session.commit()

    new_match(session, make_programme(session), mentor)
    session.commit()

    assert count_rows(session, Match) == 2


def test_an_ended_match_may_be_recorded_as_history(session):
    # As the import brings introductions that ended before the School moved in.
    programme = make_programme(session)
    mentor = make_mentor(session, do_not_approach=True)
    make_match(session, programme, mentor, MatchState.DECLINED)
    session.commit()

    new_match(session, programme, mentor, state=MatchState.WITHDRAWN)
    new_match(session, programme, mentor, PeerRole.COACH, state=MatchState.EXPIRED)
    session.commit()

    assert count_rows(session, Match) == 3


def test_a_mentor_is_matched_only_in_a_role_they_offer(session):
    mentor = make_mentor(session, roles_offered=RolesOffered.COACH)
    new_match(session, make_programme(session), mentor, PeerRole.MENTOR)

    with pytest.raises(RuleBroken) as refused:
        session.flush()

    assert str(refused.value) == (
        f"Role: {mentor.alias_code} does not offer mentoring; they offer coaching only."
    )


def test_a_shortlisted_match_cannot_change_to_a_role_not_offered(session):
    mentor = make_mentor(session, roles_offered=RolesOffered.MENTOR)
    match = make_match(session, make_programme(session), mentor, MatchState.SHORTLISTED)
    session.commit()

    match.role = PeerRole.COACH
    with pytest.raises(RuleBroken, match="does not offer coaching"):
        session.flush()


def test_a_match_serves_only_a_need_of_its_own_programme(session):
    stranger = make_assessment(session, make_programme(session), ["law"]).needs[0]
    new_match(session, make_programme(session), make_mentor(session), need=stranger)

    with pytest.raises(InvalidValue, match=r"Need: .*law .* belongs to another"):
        session.flush()


def test_new_matches_of_stored_programmes_are_checked_in_one_read(session):
    for _ in range(30):
        make_programme(session)
        make_mentor(session)
    session.commit()
    programmes = session.scalars(select(Programme).order_by(Programme.id)).all()
    mentors = session.scalars(select(Mentor).order_by(Mentor.id)).all()

    for programme, mentor in zip(programmes, mentors, strict=True):
        new_match(session, programme, mentor)
    with statements(session) as sent:
        session.flush()

    # The programmes' matches, read once; the mentors are already loaded.
    assert len(selects(sent)) == 1


# People.


def test_a_client_email_is_checked_and_normalised(session):
    client = make_client(session, email=" Ada@Example.ORG ")

    assert client.email == "ada@example.org"


def test_a_client_with_a_bad_email_is_refused(session):
    make_client(session).email = "not-an-email"

    with pytest.raises(InvalidValue, match="Email: not-an-email is not an e-mail"):
        session.flush()


def test_a_client_needs_a_name(session):
    make_client(session).name = " "

    with pytest.raises(InvalidValue, match="Name: a name is required"):
        session.flush()


# The rules stay cheap.


def test_an_edit_that_touches_no_rule_asks_the_database_nothing(session):
    programme = make_programme(session, ProgrammeStatus.ACTIVE)
    make_agenda(session, programme, ["100.00"])
    session.commit()
    programme = session.get(Programme, programme.id)

    with statements(session) as sent:
        programme.campaign = "Mayoral election"
        session.flush()

    assert selects(sent) == []
    assert len(sent) == 1


def test_editing_an_item_without_touching_its_cost_skips_the_budget(session, agenda):
    # A cost written around the rules, as old data might be.
    session.execute(update(AgendaItem).values(cost=Decimal("5000.00")))
    session.commit()

    agenda.items[0].percent_done = 50
    session.commit()

    assert agenda.items[0].percent_done == 50


def test_a_whole_new_school_is_checked_without_reading_the_database(session):
    facilitator = make_user(session)
    mentor = make_mentor(session, capacity=200)
    session.commit()
    facilitator = session.get(User, facilitator.id)
    mentor = session.get(Mentor, mentor.id)
    for number in range(100):
        programme = Programme(
            client=Client(name=f"Client {number}", email=f"bulk{number}@example.org"),
            facilitator=facilitator,
            currency="EUR",
            status=ProgrammeStatus.ACTIVE,
        )
        budget = Budget(programme=programme, agreed_total=Decimal("900.00"))
        line = BudgetLine(
            budget=budget, category="travel", description="Flights", amount=Decimal(900)
        )
        agenda = LearningAgenda(programme=programme, title="Road map")
        AgendaItem(
            agenda=agenda,
            title="Visit",
            activity_type="study visit",
            cost=Decimal("900.00"),
            budget_line=line,
        )
        match = Match(
            programme=programme, mentor=mentor, role="mentor", state=MatchState.AGREED
        )
        Agreement(match=match, programme=programme, mentor=mentor, role="mentor")
        session.add(programme)

    with statements(session) as sent:
        session.flush()

    assert len(selects(sent)) <= 1  # the mentor's running agreements, counted once
    assert count_rows(session, Agreement) == 100


def test_the_database_copy_of_a_changed_row_is_not_counted_twice(session):
    mentor = make_mentor(session, capacity=1)
    agreement = make_agreement(session, make_programme(session), mentor)
    session.commit()

    agreement.sessions_planned = 6
    session.commit()

    assert session.execute(text("SELECT count(*) FROM agreements")).scalar_one() == 1

"""The portfolio's money: agreed, committed, spent and secured, exactly."""

from datetime import date
from decimal import Decimal

import pytest

from plp.enums import (
    AgreementStatus,
    BudgetCategory,
    EnrolmentStatus,
    FundingStatus,
    ProgrammeStatus,
    Role,
)
from plp.models import (
    BudgetRevision,
    ExchangeRate,
    Expense,
    FundingApplication,
    Seminar,
    SeminarEnrolment,
)
from plp.queries.filters import PortfolioFilter
from plp.queries.money import (
    NO_LINE,
    agreed_by_currency,
    convert,
    exchange_rates,
    money_by_category,
    money_by_currency,
    money_by_programme,
    monthly_spending,
    sum_by_currency,
)
from plp.queries.overview import overview
from tests.unit.factories import (
    make_agreement,
    make_budget,
    make_client,
    make_mentor,
    make_programme,
    make_user,
)

EVERYTHING = PortfolioFilter()


def _programme_with_money(session, currency="GBP", **fields):
    """A programme agreed at 1000.00 on two lines (600.00 and 400.00)."""
    programme = make_programme(session, currency=currency, **fields)
    budget = make_budget(session, programme, ["600.00", "400.00"], agreed=True)
    return programme, budget


def _spend(session, programme, amount, on=date(2026, 3, 10), line=None):
    expense = Expense(
        programme=programme,
        budget_line=line,
        incurred_on=on,
        amount=Decimal(amount),
        payee="Rail operator",
    )
    session.add(expense)
    session.flush()
    return expense


def test_a_programme_shows_agreed_committed_spent_and_secured_apart(session):
    programme, budget = _programme_with_money(session)
    approver = make_user(session, Role.FINANCE)
    session.add(
        BudgetRevision(
            budget=budget,
            amount_change=Decimal("-50.00"),
            reason="Cheaper travel",
            approved_by=approver,
            approved_on=date(2026, 2, 1),
        )
    )
    agreement = make_agreement(session, programme, make_mentor(session))
    agreement.fee = Decimal("300.00")
    ended = make_agreement(
        session, programme, make_mentor(session), AgreementStatus.ENDED
    )
    ended.fee = Decimal("999.00")
    _spend(session, programme, "120.10")
    _spend(session, programme, "0.20")
    session.add(
        FundingApplication(
            programme=programme,
            funder="Civic Trust",
            amount_asked=Decimal("500.00"),
            status=FundingStatus.AWARDED,
            amount_awarded=Decimal("450.00"),
        )
    )
    session.add(
        FundingApplication(
            programme=programme,
            funder="Open Fund",
            amount_asked=Decimal("200.00"),
            status=FundingStatus.SUBMITTED,
        )
    )
    session.flush()

    [row] = money_by_programme(session, EVERYTHING)

    assert row.reference == programme.reference
    assert row.agreed == Decimal("950.00")
    assert row.committed == Decimal("300.00")
    assert row.spent == Decimal("120.30")
    assert row.secured == Decimal("450.00")
    assert row.funding_gap == Decimal("500.00")


def test_seminar_places_count_as_committed_unless_cancelled(session):
    programme, _ = _programme_with_money(session)
    for title, status, fee in (
        ("Campaign school", EnrolmentStatus.ENROLLED, "75.50"),
        ("Media school", EnrolmentStatus.CANCELLED, "80.00"),
    ):
        seminar = Seminar(
            title=title,
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 6, 3),
            currency="GBP",
        )
        session.add(
            SeminarEnrolment(
                seminar=seminar,
                programme=programme,
                enrolled_on=date(2026, 5, 1),
                fee=Decimal(fee),
                status=status,
            )
        )
    session.flush()

    [row] = money_by_programme(session, EVERYTHING)

    assert row.committed == Decimal("75.50")


def test_a_programme_not_yet_agreed_has_no_agreed_total_or_gap(session):
    make_programme(session)

    [row] = money_by_programme(session, EVERYTHING)

    assert row.agreed is None
    assert row.funding_gap is None
    assert (row.committed, row.spent, row.secured) == (Decimal("0.00"),) * 3


def test_totals_are_summed_per_currency(session):
    first, _ = _programme_with_money(session, "GBP")
    second, _ = _programme_with_money(session, "GBP")
    third, _ = _programme_with_money(session, "EUR")
    _spend(session, first, "10.01")
    _spend(session, second, "20.02")
    _spend(session, third, "5.00")

    session.add(
        FundingApplication(
            programme=first,
            funder="Civic Trust",
            amount_asked=Decimal("1500.00"),
            status=FundingStatus.AWARDED,
            amount_awarded=Decimal("1500.00"),
        )
    )
    session.flush()

    totals = money_by_currency(session, EVERYTHING)

    assert totals["GBP"]["agreed"] == Decimal("2000.00")
    assert totals["GBP"]["secured"] == Decimal("1500.00")
    # The first programme's surplus of 500.00 does not close the second's gap.
    assert totals["GBP"]["gap"] == Decimal("1000.00")
    assert totals["GBP"]["spent"] == Decimal("30.03")
    assert totals["EUR"]["spent"] == Decimal("5.00")
    # Summed again from each programme's money, as the spending page does.
    assert sum_by_currency(money_by_programme(session, EVERYTHING)) == totals


def test_the_agreed_totals_alone_are_those_of_all_the_totals(session):
    _programme_with_money(session, "GBP")
    _programme_with_money(session, "GBP")
    facilitator = make_user(session)
    _programme_with_money(session, "EUR", facilitator=facilitator)
    make_programme(session, ProgrammeStatus.ASSESSMENT, currency="UAH")
    session.flush()
    theirs = PortfolioFilter(facilitator_id=facilitator.id)

    agreed = agreed_by_currency(session, EVERYTHING)

    assert agreed == {
        currency: {"agreed": amounts["agreed"]}
        for currency, amounts in money_by_currency(session, EVERYTHING).items()
    }
    assert agreed["GBP"]["agreed"] == Decimal("2000.00")
    assert agreed["UAH"]["agreed"] == Decimal("0.00")
    assert sum_by_currency(money_by_programme(session, EVERYTHING)) == (
        money_by_currency(session, EVERYTHING)
    )
    assert agreed_by_currency(session, theirs) == {
        "EUR": {"agreed": Decimal("1000.00")}
    }


def test_the_latest_rate_on_the_day_is_used_and_the_reporting_currency_is_one(session):
    for valid_from, rate in ((date(2026, 1, 1), "1.15"), (date(2026, 6, 1), "1.20")):
        session.add(
            ExchangeRate(
                currency="GBP",
                reporting_currency="EUR",
                rate=Decimal(rate),
                valid_from=valid_from,
            )
        )
    session.flush()

    assert exchange_rates(session, "EUR", date(2026, 5, 31)) == {
        "GBP": Decimal("1.15"),
        "EUR": Decimal(1),
    }
    assert exchange_rates(session, "EUR", date(2026, 6, 1))["GBP"] == Decimal("1.20")


def test_a_currency_without_a_rate_is_reported_missing_never_zero():
    by_currency = {
        "GBP": {"spent": Decimal("100.00")},
        "EUR": {"spent": Decimal("10.00")},
        "UAH": {"spent": Decimal("400.00")},
    }
    rates = {"GBP": Decimal("1.16666666"), "EUR": Decimal(1)}

    result = convert(by_currency, rates, "EUR")

    assert result.amounts == {"spent": Decimal("126.67")}
    assert result.missing == {"UAH": {"spent": Decimal("400.00")}}
    assert not result.complete


def test_a_gap_of_agreed_less_secured_converts_to_their_converted_difference():
    # At 0.5, 100.01 and 33.34 convert to 50.00 and 16.67, 33.33 apart; the
    # gap 66.67 converted on its own would be 33.34.
    by_currency = {
        "GBP": {
            "agreed": Decimal("100.01"),
            "secured": Decimal("33.34"),
            "gap": Decimal("66.67"),
        }
    }

    result = convert(by_currency, {"GBP": Decimal("0.5")}, "EUR")

    assert result.amounts["agreed"] == Decimal("50.00")
    assert result.amounts["secured"] == Decimal("16.67")
    assert result.amounts["gap"] == Decimal("33.33")


def test_a_gap_beside_a_surplus_is_converted_on_its_own():
    by_currency = {
        "GBP": {
            "agreed": Decimal("100.00"),
            "secured": Decimal("120.00"),
            "gap": Decimal("30.00"),
        }
    }

    result = convert(by_currency, {"GBP": Decimal("0.5")}, "EUR")

    assert result.amounts["gap"] == Decimal("15.00")


def test_category_totals_keep_planned_committed_and_spent_apart(session):
    programme, budget = _programme_with_money(session)
    mentoring_line = budget.lines[0]
    agreement = make_agreement(session, programme, make_mentor(session))
    agreement.fee = Decimal("250.00")
    agreement.budget_line = mentoring_line
    _spend(session, programme, "40.00", line=mentoring_line)
    _spend(session, programme, "7.50")

    totals = money_by_category(session, EVERYTHING)

    assert totals[("GBP", str(BudgetCategory.MENTORING))] == {
        "planned": Decimal("1000.00"),
        "committed": Decimal("250.00"),
        "spent": Decimal("40.00"),
    }
    assert totals[("GBP", NO_LINE)]["spent"] == Decimal("7.50")


def test_monthly_spending_falls_in_the_period_by_month(session):
    programme, _ = _programme_with_money(session)
    _spend(session, programme, "1.00", on=date(2026, 1, 31))
    _spend(session, programme, "2.00", on=date(2026, 2, 1))
    _spend(session, programme, "3.00", on=date(2026, 2, 28))
    _spend(session, programme, "4.00", on=date(2026, 4, 1))

    period = PortfolioFilter(
        period_start=date(2026, 2, 1), period_end=date(2026, 3, 31)
    )

    assert monthly_spending(session, period) == [("2026-02", "GBP", Decimal("5.00"))]


def test_the_filter_covers_facilitator_place_and_stage(session):
    facilitator = make_user(session)
    kyiv = make_client(session, region="Eastern Europe", country="Ukraine")
    own, _ = _programme_with_money(session, facilitator=facilitator, client=kyiv)
    _programme_with_money(session)
    later = make_programme(
        session,
        ProgrammeStatus.ENQUIRY,
        start_date=date(2027, 1, 1),
        target_end_date=date(2027, 12, 31),
    )

    def references(**fields):
        rows = money_by_programme(session, PortfolioFilter(**fields))
        return {row.reference for row in rows}

    assert references(facilitator_id=facilitator.id) == {own.reference}
    assert references(region="Eastern Europe") == {own.reference}
    assert references(country="Ukraine") == {own.reference}
    assert later.reference not in references(period_end=date(2026, 12, 31))
    assert references(statuses=(ProgrammeStatus.ENQUIRY,)) >= {later.reference}


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        PortfolioFilter(period_start=date(2026, 5, 1), period_end=date(2026, 4, 1))


def test_the_overview_gathers_stages_bands_money_and_matches(session):
    programme, _ = _programme_with_money(session, "GBP")
    make_programme(session, ProgrammeStatus.ASSESSMENT)
    session.add(
        ExchangeRate(
            currency="GBP",
            reporting_currency="EUR",
            rate=Decimal("1.20"),
            valid_from=date(2026, 1, 1),
        )
    )
    _spend(session, programme, "10.00")
    session.flush()

    result = overview(session, EVERYTHING, date(2026, 7, 1), "EUR")

    assert result.programmes == 2
    assert result.by_stage[ProgrammeStatus.ASSESSMENT] == 1
    assert result.by_stage[ProgrammeStatus.COMPLETED] == 0
    assert result.money.amounts["agreed"] == Decimal("1200.00")
    assert result.money.amounts["spent"] == Decimal("12.00")
    assert result.money.complete
    assert result.matches_in_progress == 0

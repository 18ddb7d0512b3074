"""Money is exact on every database: stored, summed and refused to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, type_coerce

from plp.enums import BudgetCategory, FundingStatus, PeerRole, Role
from plp.errors import InvalidValue
from plp.models import (
    AgendaItem,
    Agreement,
    Budget,
    BudgetLine,
    BudgetRevision,
    ExchangeRate,
    Expense,
    FundingApplication,
    Seminar,
)
from plp.values import parse_money
from tests.unit.factories import (
    make_agenda,
    make_budget,
    make_mentor,
    make_programme,
    make_user,
    new_agreement,
)


def test_ten_lines_of_ten_pence_total_exactly_one_pound(session):
    budget = make_budget(session, make_programme(session), ["0.10"] * 10)
    session.commit()
    session.expire_all()

    in_python = sum(line.amount for line in budget.lines)
    in_sql = session.execute(select(func.sum(BudgetLine.amount))).scalar_one()

    assert in_python == Decimal("1.00")
    assert in_sql == Decimal("1.00")
    assert isinstance(in_sql, Decimal)
    assert str(in_sql) == "1.00"


def test_twelve_billion_survives_a_round_trip(session):
    budget = make_budget(session, make_programme(session), ["12345678901.23"])
    session.commit()
    session.expire_all()

    stored = session.execute(select(BudgetLine.amount)).scalar_one()

    assert stored == Decimal("12345678901.23")
    assert budget.lines[0].amount == Decimal("12345678901.23")


def _line(session, budget: Budget, amount) -> BudgetLine:
    line = BudgetLine(
        budget=budget,
        category=BudgetCategory.TRAVEL,
        description="Flights",
        amount=amount,
    )
    session.add(line)
    return line


@pytest.mark.parametrize("amount", [Decimal("10.005"), "0.001", 10.005])
def test_more_than_two_decimals_is_refused_with_a_message_not_rounded(session, amount):
    budget = make_budget(session, make_programme(session))
    session.commit()
    _line(session, budget, amount)

    with pytest.raises(InvalidValue, match=r"Amount: .* has more than two decimals"):
        session.flush()

    session.rollback()
    assert session.execute(select(func.count(BudgetLine.id))).scalar_one() == 0


def test_a_float_with_two_decimals_is_kept_as_its_exact_decimal(session):
    budget = make_budget(session, make_programme(session))
    line = _line(session, budget, 0.1)
    session.commit()
    session.expire_all()

    assert line.amount == Decimal("0.10")


def test_text_that_is_not_an_amount_is_refused(session):
    budget = make_budget(session, make_programme(session))
    _line(session, budget, "ten pounds")

    with pytest.raises(InvalidValue, match="Amount: ten pounds is not a number"):
        session.flush()


def _revision(session, budget: Budget, amount_change) -> BudgetRevision:
    revision = BudgetRevision(
        budget=budget,
        amount_change=amount_change,
        reason="Extra travel",
        approved_by=make_user(session, Role.FINANCE),
        approved_on=date(2026, 2, 1),
    )
    session.add(revision)
    return revision


def _negative_line(session):
    _line(session, make_budget(session, make_programme(session)), Decimal("-1.00"))


def _negative_expense(session):
    session.add(
        Expense(
            programme=make_programme(session),
            incurred_on=date(2026, 2, 1),
            amount=Decimal("-5.00"),
            payee="Airline",
        )
    )


def _negative_fee(session):
    agreement = new_agreement(session, make_programme(session), make_mentor(session))
    agreement.fee = Decimal("-50.00")


def _negative_agreed_total(session):
    budget = make_budget(session, make_programme(session), ["100.00"])
    budget.agreed_total = Decimal("-100.00")


def _negative_agenda_cost(session):
    session.add(
        AgendaItem(
            agenda=make_agenda(session, make_programme(session)),
            title="Study visit",
            activity_type="study visit",
            cost=Decimal("-1.00"),
        )
    )


def _negative_seminar_fee(session):
    session.add(
        Seminar(
            title="Campaigning",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 3),
            currency="EUR",
            fee_per_place=Decimal("-10.00"),
        )
    )


@pytest.mark.parametrize(
    ("make_negative", "field"),
    [
        (_negative_line, "Amount"),
        (_negative_expense, "Amount"),
        (_negative_fee, "Fee"),
        (_negative_agreed_total, "Agreed total"),
        (_negative_agenda_cost, "Cost"),
        (_negative_seminar_fee, "Fee per place"),
    ],
)
def test_a_negative_amount_is_refused_where_it_means_nothing(
    session, make_negative, field
):
    make_negative(session)

    with pytest.raises(InvalidValue, match=rf"{field}: -\d+\.00 is negative"):
        session.flush()


def test_a_revision_may_lower_the_budget(session):
    budget = make_budget(session, make_programme(session), ["500.00"], agreed=True)
    _revision(session, budget, Decimal("-120.50"))
    session.commit()
    session.expire_all()

    assert budget.revisions[0].amount_change == Decimal("-120.50")
    assert budget.current_total == Decimal("379.50")


def test_a_revision_with_more_than_two_decimals_is_refused(session):
    budget = make_budget(session, make_programme(session), ["500.00"], agreed=True)
    _revision(session, budget, Decimal("-1.255"))

    with pytest.raises(InvalidValue, match=r"Amount change: -1.255 has more than two"):
        session.flush()


def test_an_expense_of_nothing_is_refused(session):
    session.add(
        Expense(
            programme=make_programme(session),
            incurred_on=date(2026, 2, 1),
            amount=Decimal("0.00"),
            payee="Nobody",
        )
    )

    with pytest.raises(InvalidValue, match="an expense must be more than zero"):
        session.flush()


def test_funding_asked_must_be_more_than_zero(session):
    session.add(
        FundingApplication(
            programme=make_programme(session),
            funder="A Trust",
            amount_asked=Decimal("0.00"),
        )
    )

    with pytest.raises(InvalidValue, match="Amount asked: must be more than zero"):
        session.flush()


def test_an_award_cannot_exceed_what_was_asked(session):
    session.add(
        FundingApplication(
            programme=make_programme(session),
            funder="A Trust",
            amount_asked=Decimal("1000.00"),
            amount_awarded=Decimal("1000.01"),
            status=FundingStatus.AWARDED,
        )
    )

    with pytest.raises(InvalidValue, match=r"1000.01 is more than the 1000.00 asked"):
        session.flush()


def test_an_awarded_application_needs_the_amount(session):
    session.add(
        FundingApplication(
            programme=make_programme(session),
            funder="A Trust",
            amount_asked=Decimal("1000.00"),
            status=FundingStatus.PARTLY_AWARDED,
        )
    )

    with pytest.raises(InvalidValue, match=r"Amount awarded: .* needs the amount"):
        session.flush()


def test_exchange_rates_keep_eight_decimals_and_refuse_a_ninth(session):
    rate = ExchangeRate(
        currency="EUR",
        reporting_currency="GBP",
        rate=Decimal("0.85123456"),
        valid_from=date(2026, 1, 1),
    )
    session.add(rate)
    session.commit()
    session.expire_all()
    assert rate.rate == Decimal("0.85123456")

    rate.rate = Decimal("0.851234567")
    with pytest.raises(InvalidValue, match=r"Rate: .* has more than eight decimals"):
        session.flush()


def test_sql_arithmetic_on_amounts_keeps_the_unit(session):
    budget = make_budget(
        session, make_programme(session), ["250.00", "0.25"], agreed=True
    )
    session.commit()

    doubled = select(func.sum(BudgetLine.amount * 2))
    left = select(Budget.agreed_total - func.sum(BudgetLine.amount) / 2).group_by(
        Budget.id
    )
    plus = select(func.sum(BudgetLine.amount) + Decimal("0.01"))
    average = select(type_coerce(func.avg(BudgetLine.amount), BudgetLine.amount.type))

    assert session.execute(doubled).scalar_one() == Decimal("500.50")
    assert session.execute(left.join(BudgetLine)).scalar_one() == Decimal("125.125")
    assert session.execute(plus).scalar_one() == Decimal("250.26")
    assert session.execute(average).scalar_one() == Decimal("125.125")
    assert budget.agreed_total == Decimal("250.25")


def test_comparisons_with_amounts_in_sql_are_exact(session):
    make_budget(session, make_programme(session), ["0.10", "0.20", "0.30"])
    session.commit()

    query = select(func.count(BudgetLine.id)).where(BudgetLine.amount >= Decimal("0.2"))

    assert session.execute(query).scalar_one() == 2


def test_an_agreement_fee_is_stored_to_the_cent(session):
    agreement = new_agreement(session, make_programme(session), make_mentor(session))
    agreement.fee = Decimal("1500.5")
    agreement.role = PeerRole.COACH
    session.commit()
    session.expire_all()

    assert session.get(Agreement, agreement.id).fee == Decimal("1500.50")


@pytest.mark.parametrize("typed", ["1,23", "12,34,567.00", "1.234,50", "1,2345"])
def test_a_comma_that_may_be_a_decimal_comma_is_refused(typed):
    with pytest.raises(InvalidValue, match="is not an amount of money"):
        parse_money(typed)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("12,345,678,901.23", "12345678901.23"), ("1 234.5", "1234.50"), (".5", "0.50")],
)
def test_thousands_separators_are_read(typed, amount):
    assert parse_money(typed) == Decimal(amount)


def test_an_amount_too_large_to_store_is_refused():
    with pytest.raises(InvalidValue, match="is too large"):
        parse_money("100000000000000000")

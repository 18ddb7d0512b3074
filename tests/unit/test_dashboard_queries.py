"""The questions the dashboards add: budgets nearly spent and the filters' choices."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards.filters import FilterValues, from_query, to_portfolio
from plp.models import Expense
from plp.queries.choices import countries, facilitators, regions
from plp.queries.filters import PortfolioFilter
from plp.queries.money import money_by_programme, over_or_near_budget
from tests.unit.factories import (
    make_budget,
    make_client,
    make_programme,
    make_user,
)

EVERYTHING = PortfolioFilter()


def _spent(session, spent: str, agreed: str = "1000.00", **fields):
    """A programme agreed at `agreed` that has spent `spent`."""
    programme = make_programme(session, **fields)
    make_budget(session, programme, [agreed], agreed=True)
    session.add(
        Expense(
            programme=programme,
            incurred_on=date(2026, 3, 1),
            amount=Decimal(spent),
            payee="Rail operator",
        )
    )
    session.flush()
    return programme


def _watched(session, limit: int):
    """Return the budget watch over every programme, as the spending page reads it."""
    return over_or_near_budget(money_by_programme(session, EVERYTHING), limit)


def test_programmes_over_or_near_budget_come_most_spent_first(session):
    over = _spent(session, "1200.00")
    near = _spent(session, "900.00")
    nearer = _spent(session, "950.00", agreed="1000.00", currency="EUR")
    _spent(session, "899.99")
    make_programme(session)

    rows, total = _watched(session, limit=10)

    assert [row.reference for row in rows] == [
        over.reference,
        nearer.reference,
        near.reference,
    ]
    assert total == 3
    assert rows[0].spent == Decimal("1200.00")
    assert rows[0].spent_share == Decimal("1.2")
    assert rows[1].currency == "EUR"


def test_the_budget_watch_stops_at_the_limit_but_counts_every_programme(session):
    for spent in ("910.00", "920.00", "930.00"):
        _spent(session, spent)

    rows, total = _watched(session, limit=2)

    assert [row.spent for row in rows] == [Decimal("930.00"), Decimal("920.00")]
    assert total == 3


def test_the_budget_watch_is_empty_without_spending(session):
    make_programme(session)

    assert _watched(session, limit=5) == ([], 0)


def test_programmes_at_the_same_share_come_in_reference_order(session):
    over = _spent(session, "1200.00")
    near = _spent(session, "900.00")
    # 95% in euros, and two programmes at exactly the same share.
    nearer = _spent(session, "950.00", agreed="1000.00", currency="EUR")
    tied = _spent(session, "190.00", agreed="200.00")
    _spent(session, "899.99")
    make_programme(session)
    rows = money_by_programme(session, EVERYTHING)

    watched, total = over_or_near_budget(rows, 10)
    assert [row.reference for row in watched] == [
        over.reference,
        *sorted([nearer.reference, tied.reference]),
        near.reference,
    ]
    assert total == 4
    assert over_or_near_budget([], 5) == ([], 0)


def test_only_staff_facilitating_a_programme_are_offered(session):
    busy = make_user(session, name="Amara Okafor")
    make_user(session, name="Idle Facilitator")
    make_programme(session, facilitator=busy)

    assert facilitators(session) == [(busy.id, "Amara Okafor")]


def test_regions_are_those_of_clients_with_a_programme(session):
    for region in ("West Africa", "Eastern Europe", "West Africa"):
        make_programme(session, client=make_client(session, region=region))
    make_client(session, region="Andes")

    assert regions(session) == ["Eastern Europe", "West Africa"]


def test_a_country_is_offered_only_when_several_clients_share_it(session):
    for country in ("Kenya", "Kenya", "Kenya", "Peru", "Peru"):
        make_programme(session, client=make_client(session, country=country))
    lone = make_client(session, country="Chile")
    make_programme(session, client=lone)
    make_programme(session, client=lone)
    make_programme(session, client=lone)

    assert countries(session) == ["Kenya"]


@pytest.mark.parametrize("typed", ["²", "99999999999", "-4", "abc"])
def test_a_facilitator_in_the_address_that_is_no_account_is_not_applied(typed):
    values, problems = from_query(f"?facilitator={typed}")

    assert values.facilitator is None
    assert problems == [f"“{typed}” is not a facilitator: the filter is not applied."]


def test_one_status_sent_where_a_list_belongs_is_read_as_that_status():
    values = FilterValues.of(None, None, None, None, "active")

    portfolio, problems = to_portfolio(values)

    assert [str(status) for status in portfolio.statuses] == ["active"]
    assert problems == []

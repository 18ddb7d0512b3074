"""Money, currencies, dates and e-mails as the School types them in."""

from datetime import date
from decimal import Decimal

import pytest

from plp.errors import InvalidValue
from plp.values import (
    parse_currency,
    parse_date,
    parse_email,
    parse_money,
    record_id,
)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,234.50", Decimal("1234.50")),
        (9800.5, Decimal("9800.50")),
        (14250, Decimal("14250.00")),
        ("12345678901.23", Decimal("12345678901.23")),
        (Decimal("0.1"), Decimal("0.10")),
    ],
)
def test_money_is_read_exactly(typed, amount):
    assert parse_money(typed) == amount


@pytest.mark.parametrize("typed", ["10.005", 10.005, "0.001", Decimal("1.234")])
def test_money_with_more_than_two_decimals_is_refused_not_rounded(typed):
    with pytest.raises(InvalidValue, match="more than two decimals"):
        parse_money(typed)


@pytest.mark.parametrize("typed", ["-1", -0.5, "abc", "", None, "NaN", "Infinity"])
def test_money_that_is_not_a_positive_amount_is_refused(typed):
    with pytest.raises(InvalidValue):
        parse_money(typed)


def test_a_signed_amount_is_allowed_where_asked_for():
    assert parse_money("-250.00", allow_negative=True) == Decimal("-250.00")


@pytest.mark.parametrize("code", ["GBP", "eur", " RON "])
def test_iso_currencies_are_accepted(code):
    assert parse_currency(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["GBX", "EURO", "", None, "XYZ"])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(InvalidValue, match="not an ISO 4217 currency"):
        parse_currency(code)


def test_dates_are_read_from_iso_text():
    assert parse_date("2026-03-02") == date(2026, 3, 2)


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-02-31", "03/04/2026", ""])
def test_impossible_or_ambiguous_dates_are_refused(typed):
    with pytest.raises(InvalidValue, match="is not a date"):
        parse_date(typed)


def test_emails_are_normalised_to_lower_case():
    assert parse_email(" Ada@School.Example.org ") == "ada@school.example.org"


def test_text_that_is_not_an_email_is_refused():
    with pytest.raises(InvalidValue, match="not-an-email is not an e-mail address"):
        parse_email("not-an-email")


@pytest.mark.parametrize(
    ("typed", "found"),
    [("42", 42), (42, 42), (" 7 ", 7), ("2147483647", 2_147_483_647)],
)
def test_a_record_id_is_read_from_digits(typed, found):
    assert record_id(typed) == found


@pytest.mark.parametrize(
    "typed",
    ["", None, "0", "-1", "abc", "1.5", "²", "٣", "2147483648", "9" * 40, True],
)
def test_anything_that_cannot_name_a_row_is_no_record_id(typed):
    assert record_id(typed) is None

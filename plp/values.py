"""Parsing and checking of the plain values the School types in."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pycountry
from email_validator import EmailNotValidError, validate_email

from plp.errors import InvalidValue

CENT = Decimal("0.01")


def parse_money(value, *, allow_negative: bool = False) -> Decimal:
    """Return an exact amount of money, refusing more than two decimals.

    Accepts text ("1,234.50"), integers, decimals and the floats a spreadsheet
    hands over; a float is read by its shortest decimal spelling, so 10.005
    stays 10.005 and is refused rather than rounded.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidValue("an amount is required")
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidValue(f"{value} is not an amount of money") from None
    if not amount.is_finite():
        raise InvalidValue(f"{value} is not an amount of money")
    if amount != amount.quantize(CENT):
        raise InvalidValue(f"{value} has more than two decimals")
    if amount < 0 and not allow_negative:
        raise InvalidValue(f"{value} is negative")
    return amount.quantize(CENT)


def check_money(amount: Decimal | None, field: str, *, allow_negative=False) -> None:
    """Refuse an amount with more than two decimals or a negative one."""
    if amount is None:
        return
    if amount != amount.quantize(CENT):
        raise InvalidValue(f"{field}: {amount} has more than two decimals")
    if amount < 0 and not allow_negative:
        raise InvalidValue(f"{field}: {amount} is negative")


def parse_currency(value) -> str:
    """Return an ISO 4217 currency code, refusing anything else."""
    code = str(value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidValue(f"{value} is not an ISO 4217 currency")
    return code


def parse_email(value) -> str:
    """Return a normalised e-mail address, refusing text that is not one."""
    text = str(value or "").strip()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValue(
            f"{text or 'an empty cell'} is not an e-mail address"
        ) from None
    return checked.normalized.lower()


def parse_date(value) -> date:
    """Return a date from a date, a datetime or ISO text (YYYY-MM-DD).

    Day-first and month-first text are refused: 03/04/2026 means different
    days in different countries.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidValue(f"{text or 'an empty cell'} is not a date") from None


def parse_languages(value) -> str:
    """Return comma-separated ISO 639 language codes, refusing unknown ones."""
    codes = split_list(value)
    unknown = [
        code
        for code in codes
        if pycountry.languages.get(alpha_2=code) is None
        and pycountry.languages.get(alpha_3=code) is None
    ]
    if unknown:
        raise InvalidValue(f"{', '.join(unknown)}: not a language code (ISO 639)")
    return ", ".join(code.lower() for code in codes)


def split_list(value) -> list[str]:
    """Split a comma-separated cell into its trimmed, non-empty parts."""
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def check_dates_in_order(first: date | None, then: date | None, label: str) -> None:
    """Refuse a pair of dates where the later one comes first."""
    if first is not None and then is not None and then < first:
        raise InvalidValue(f"{label}: {then} is before {first}")

"""Parsing and checking of the plain values the School types in."""

import re
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache

import pycountry
from email_validator import EmailNotValidError, validate_email

from plp.errors import InvalidValue

# Whole units are stored in a signed 64-bit integer, which holds 18 digits.
STORED_DIGITS = 18

# The largest whole number an integer column holds on PostgreSQL; record ids,
# capacities and counts of sessions all live in such columns.
LARGEST_WHOLE_NUMBER = 2**31 - 1

# The years a date the School types in may fall in; a date outside them is
# a slip of the keyboard (0225 for 2025), not a plan.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


# Digits with commas only between groups of three, as in 12,345,678.90: a
# comma anywhere else ("1,23") could be a decimal comma and is refused.
_AMOUNT_TEXT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?")


def parse_money(value, *, allow_negative: bool = False) -> Decimal:
    """Return an exact amount of money, refusing more than two decimals.

    Accepts text ("1,234.50"), integers, decimals and the floats a spreadsheet
    hands over; a float is read by its shortest decimal spelling, so 10.005
    stays 10.005 and is refused rather than rounded.
    """
    amount = parse_exact(value, 2, "an amount of money")
    if amount < 0 and not allow_negative:
        raise InvalidValue(f"{value} is negative")
    return amount


def parse_exact(value, places: int, kind: str) -> Decimal:
    """Return a decimal with at most `places` decimals, refusing anything else."""
    if isinstance(value, bool) or value is None:
        raise InvalidValue(f"{kind} is required")
    if isinstance(value, float):
        value = repr(value)
    shown = str(value).strip() or "an empty cell"
    if isinstance(value, str):
        value = value.strip().replace(" ", "")
        if not _AMOUNT_TEXT.fullmatch(value):
            raise InvalidValue(f"{shown} is not {kind}")
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidValue(f"{shown} is not {kind}") from None
    if not amount.is_finite():
        raise InvalidValue(f"{shown} is not {kind}")
    if abs(amount) >= Decimal(10) ** (STORED_DIGITS - places):
        raise InvalidValue(f"{shown} is too large")
    unit = Decimal(1).scaleb(-places)
    if amount != amount.quantize(unit, rounding=ROUND_DOWN):
        raise InvalidValue(f"{shown} has more than {_count(places)} decimals")
    return amount.quantize(unit)


def _count(places: int) -> str:
    return {2: "two", 8: "eight"}.get(places, str(places))


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


def record_id(value) -> int | None:
    """Return a record id given as a number or digits, or None if none can be one.

    Text with other characters, zero, negatives and numbers too large for an
    integer column name no record, and must not reach the database as one.
    """
    if isinstance(value, bool):
        return None
    text = str(value).strip() if value is not None else ""
    if not (text.isdigit() and text.isascii()) or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= LARGEST_WHOLE_NUMBER else None


# An id no record has.
NO_RECORD = -1


def lookup_id(value) -> int:
    """Return the id a lookup searches for: the record id given, or one no record has.

    A lookup handed something that cannot name a row then finds nothing,
    and is refused in the same words as one for a record out of reach.
    """
    found = record_id(value)
    return NO_RECORD if found is None else found


def check_plausible_date(value: date) -> None:
    """Refuse a date outside the years the School's records can concern."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidValue(
            f"{value.isoformat()} is not between the years {EARLIEST_YEAR} and "
            f"{LATEST_YEAR}; check the year"
        )


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


@cache
def language_name(code: str) -> str:
    """Return a language's English name for an ISO 639 code, or the code as given."""
    code = code.strip()
    lowered = code.lower()
    found = pycountry.languages.get(alpha_2=lowered) if len(code) == 2 else None
    if found is None and len(code) == 3:
        found = pycountry.languages.get(alpha_3=lowered)
    return found.name if found is not None else code


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


def check_dates_in_order(
    first: date | None, then: date | None, label: str, first_label: str | None = None
) -> None:
    """Refuse a pair of dates where the later one comes first."""
    if first is None or then is None or then >= first:
        return
    if first_label is None:
        raise InvalidValue(f"{label}: {then} is before {first}")
    raise InvalidValue(
        f"{label}: {then} is before the {first_label.lower()} ({first}); "
        f"give a date on or after {first}"
    )

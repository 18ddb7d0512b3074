"""How values look in the admin panel: money, moments and enum values."""

import re
from datetime import datetime
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

from flask import current_app
from flask_admin.model.typefmt import (
    BASE_FORMATTERS,
)
from flask_admin.model.typefmt import (
    DETAIL_FORMATTERS as ADMIN_DETAIL_FORMATTERS,
)
from flask_admin.model.typefmt import (
    EXPORT_FORMATTERS as ADMIN_EXPORT_FORMATTERS,
)

# Characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def local_moment(moment: datetime) -> datetime:
    """Return a UTC moment in the School's configured time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["PLP_TIMEZONE"]))


def format_moment(view, moment: datetime, name=None) -> str:
    """Show a moment in the School's time zone, naming the zone."""
    return local_moment(moment).strftime("%Y-%m-%d %H:%M %Z")


def format_decimal(view, amount: Decimal, name=None) -> str:
    """Show an exact amount or rate with every decimal it has, thousands separated."""
    return f"{amount:,}"


def format_enum(view, value: Enum, name=None) -> str:
    """Show an enum by its value, the word the School uses."""
    return str(value.value)


def show_enum(view, value: Enum, name=None) -> str:
    """Show an enum as the School's words, capitalised: "On hold"."""
    words = str(value.value)
    return words[:1].upper() + words[1:]


def show_yes_no(view, value: bool, name=None) -> str:
    """Show a yes-or-no value as a word."""
    return "Yes" if value else "No"


def safe_cell_text(text: str) -> str:
    """Keep text that looks like a formula as text in a spreadsheet.

    A plain number such as -12.50 is left as it is: a spreadsheet reads it as
    the number it is, and finance needs to add it up.
    """
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def format_moment_for_excel(view, moment: datetime, name=None) -> datetime:
    """Give Excel the School's local time; Excel cannot store a time zone."""
    return local_moment(moment).replace(tzinfo=None, microsecond=0)


def join_list(view, values, name=None) -> str:
    """Show a list of records as their names, separated by commas."""
    return ", ".join(str(value) for value in values)


LIST_FORMATTERS = dict(BASE_FORMATTERS)
LIST_FORMATTERS.update(
    {datetime: format_moment, Decimal: format_decimal, Enum: show_enum}
)

DETAIL_FORMATTERS = dict(ADMIN_DETAIL_FORMATTERS)
DETAIL_FORMATTERS.update(
    {
        datetime: format_moment,
        Decimal: format_decimal,
        Enum: show_enum,
        bool: show_yes_no,
    }
)

# A CSV keeps every decimal of an amount or rate, without thousands separators,
# and moments to the minute; every cell is kept from running as a formula where
# the rows are written (admin.views.export).
EXPORT_FORMATTERS = dict(ADMIN_EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update(
    {
        datetime: format_moment,
        Decimal: lambda view, value, name=None: str(value),
        Enum: format_enum,
    }
)

# Excel keeps numbers and dates as such, so finance can add them up; text that
# looks like a formula is stored as text by the exporter, never altered.
XLSX_FORMATTERS = {
    datetime: format_moment_for_excel,
    Enum: format_enum,
    list: join_list,
}

"""How values look in the admin panel: money, moments and enum values."""

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


def export_text(view, value: str, name=None) -> str:
    """Keep text that looks like a formula as text in a spreadsheet."""
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def format_moment_for_excel(view, moment: datetime, name=None) -> datetime:
    """Give Excel the School's local time; Excel cannot store a time zone."""
    return local_moment(moment).replace(tzinfo=None)


def join_list(view, values, name=None) -> str:
    """Show a list of records as their names, separated by commas."""
    return ", ".join(str(value) for value in values)


LIST_FORMATTERS = dict(BASE_FORMATTERS)
LIST_FORMATTERS.update(
    {datetime: format_moment, Decimal: format_decimal, Enum: format_enum}
)

DETAIL_FORMATTERS = dict(ADMIN_DETAIL_FORMATTERS)
DETAIL_FORMATTERS.update(
    {datetime: format_moment, Decimal: format_decimal, Enum: format_enum}
)

# A CSV keeps every decimal of an amount or rate, without thousands separators.
EXPORT_FORMATTERS = dict(ADMIN_EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update(
    {
        datetime: lambda view, value, name=None: local_moment(value).isoformat(),
        Decimal: lambda view, value, name=None: str(value),
        Enum: format_enum,
        str: export_text,
    }
)

# Excel keeps numbers and dates as such, so finance can add them up; text that
# looks like a formula is stored as text by the exporter, never altered.
XLSX_FORMATTERS = {
    datetime: format_moment_for_excel,
    Enum: format_enum,
    list: join_list,
}

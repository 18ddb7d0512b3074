"""List filters for the School's own column types: exact amounts and moments."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from flask_admin.contrib.sqla import filters as sqla
from flask_admin.model import filters as base

from plp.values import LARGEST_WHOLE_NUMBER

# Whole units are stored in a signed 64-bit integer, which holds 18 digits.
STORED_DIGITS = 18


class MomentFrom(sqla.BaseSQLAFilter, base.BaseDateFilter):
    """Keep rows from the start of a day, in the School's time zone."""

    def clean(self, value: str) -> datetime:
        day = datetime.strptime(value, "%Y-%m-%d").date()
        zone = ZoneInfo(current_app.config["PLP_TIMEZONE"])
        return datetime.combine(day, time(), tzinfo=zone)

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) >= value)

    def operation(self) -> str:
        return "on or after"


class MomentBefore(MomentFrom):
    """Keep rows from before the start of a day, in the School's time zone."""

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) < value)

    def operation(self) -> str:
        return "before"


class _ExactAmount(sqla.BaseSQLAFilter):
    def clean(self, value: str) -> Decimal:
        # A value the column could not hold exactly is not a filter at all.
        places = self.column.type.places
        try:
            amount = Decimal(value.strip().replace(",", ""))
            exact = amount == amount.quantize(Decimal(1).scaleb(-places))
        except (InvalidOperation, ArithmeticError):
            raise ValueError(f"{value} is not an amount") from None
        if not exact or abs(amount) >= Decimal(10) ** (STORED_DIGITS - places):
            raise ValueError(f"{value} is not an amount")
        return amount


class AmountEqual(_ExactAmount, sqla.FilterEqual):
    """Keep rows with exactly this amount."""


class AmountGreater(_ExactAmount, sqla.FilterGreater):
    """Keep rows with more than this amount."""


class AmountSmaller(_ExactAmount, sqla.FilterSmaller):
    """Keep rows with less than this amount."""


class _StoredWholeNumber:
    """Refuse a whole number no integer column can hold, as no filter at all."""

    def clean(self, value: str):
        cleaned = super().clean(value)
        numbers = cleaned if isinstance(cleaned, list) else [cleaned]
        if any(abs(number) > LARGEST_WHOLE_NUMBER for number in numbers):
            raise ValueError(f"{value} is not a whole number a record can hold")
        return cleaned


def _stored(kind: type) -> type:
    return type(f"Stored{kind.__name__}", (_StoredWholeNumber, kind), {})


class _EnumValues(sqla.BaseSQLAFilter):
    def member(self, value: str):
        # The choices are the enum's values ("on hold"), never its names.
        try:
            return self.column.type.enum_class(value.strip())
        except ValueError:
            raise ValueError(f"{value} is not one of the choices") from None


class EnumEqual(_EnumValues, sqla.FilterEqual):
    """Keep rows at this value of the enum."""

    def clean(self, value: str):
        return self.member(value)


class EnumNotEqual(_EnumValues, sqla.FilterNotEqual):
    """Keep rows at any other value of the enum."""

    def clean(self, value: str):
        return self.member(value)


class EnumInList(_EnumValues, sqla.FilterInList):
    """Keep rows at any of these values of the enum."""

    def clean(self, value: str) -> list:
        return [self.member(part) for part in super().clean(value)]


class EnumNotInList(_EnumValues, sqla.FilterNotInList):
    """Keep rows at none of these values of the enum."""

    def clean(self, value: str) -> list:
        return [self.member(part) for part in super().clean(value)]


class SchoolFilterConverter(sqla.FilterConverter):
    """Offer filters on moments by local day, amounts exactly, enums by value."""

    @base.convert("enum")
    def conv_enum(self, column, name, options=None, **kwargs):
        """Filter an enum by the values the School uses, as Flask-Admin cannot."""
        options = options or [(value, value) for value in column.type.enums]
        return [
            EnumEqual(column, name, options),
            EnumNotEqual(column, name, options),
            sqla.EnumFilterEmpty(column, name),
            EnumInList(column, name, options),
            EnumNotInList(column, name, options),
        ]

    # Flask-Admin's own whole-number filters, in its order, bounded.
    int_filters = tuple(
        kind if kind is sqla.FilterEmpty else _stored(kind)
        for kind in sqla.FilterConverter.int_filters
    )

    @base.convert("UTCDateTime")
    def conv_moment(self, column, name, **kwargs):
        """Filter moments by the day they fall on in the School's time zone."""
        return [MomentFrom(column, name), MomentBefore(column, name)]

    @base.convert("Money", "Rate")
    def conv_amount(self, column, name, **kwargs):
        """Filter amounts and rates by exact comparison."""
        return [
            AmountEqual(column, name),
            AmountGreater(column, name),
            AmountSmaller(column, name),
        ]

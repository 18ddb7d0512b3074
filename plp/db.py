"""The declarative base and the column types every model shares."""

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Numeric, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic's batch migrations on SQLite deterministic.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every PLP Manager model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs):
        """Give every model's table ids that are never handed out twice."""
        if "__tablename__" in cls.__dict__:
            cls.__table_args__ = _never_reusing_ids(cls.__dict__.get("__table_args__"))
        super().__init_subclass__(**kwargs)


def _never_reusing_ids(table_args):
    """Return a model's table arguments with SQLite's AUTOINCREMENT added.

    Without it SQLite gives the highest id again once its row is deleted, and
    the audit trail, which names records by id, would lend the deleted
    record's history to the new one. PostgreSQL's sequences never go back.
    """
    option = {"sqlite_autoincrement": True}
    if table_args is None:
        return (option,)
    if isinstance(table_args, dict):
        return {**table_args, **option}
    if table_args and isinstance(table_args[-1], dict):
        return (*table_args[:-1], {**table_args[-1], **option})
    return (*table_args, option)


# Operators whose plain-number operand is a factor, not an amount: it must not
# be scaled into whole units (amount * 2 doubles the amount, not times 200).
_FACTOR_OPERATORS = (operators.mul, operators.truediv, operators.floordiv)


class _ScaledComparator(TypeDecorator.Comparator):
    """Keep the decimal type on SQL arithmetic, so results come back scaled."""

    __slots__ = ()

    def _adapt_expression(self, op, other_comparator):
        other = other_comparator.type
        same_unit = (
            isinstance(other, ScaledDecimal) and other.places == self.type.places
        )
        if op in (operators.add, operators.sub) and same_unit:
            return op, self.type
        if op in _FACTOR_OPERATORS and not isinstance(other, ScaledDecimal):
            return op, self.type
        if op is operators.truediv and same_unit:
            return op, Numeric()
        return super()._adapt_expression(op, other_comparator)


class ScaledDecimal(TypeDecorator):
    """Store an exact decimal as a whole number of its smallest unit.

    SQLite has no exact decimal type: a NUMERIC column there is a float, and
    sums drift (ten times 0.10 is not 1.00). Keeping whole units in a BIGINT
    makes storage and SQL sums exact on SQLite and PostgreSQL alike.

    SQL arithmetic keeps the unit: sums, differences of two amounts and an
    amount times or divided by a plain number come back as decimals. An
    average is not typed by SQLAlchemy; wrap it as
    `type_coerce(func.avg(column), column.type)` to read it as an amount.
    """

    impl = BigInteger
    cache_ok = True
    comparator_factory = _ScaledComparator

    def __init__(self, places: int):
        super().__init__()
        self.places = places
        self.unit = Decimal(1).scaleb(-places)

    def coerce_compared_value(self, op, value):
        """Bind a factor as a plain number and anything else as an amount."""
        if op in _FACTOR_OPERATORS:
            return Numeric() if isinstance(value, Decimal | float) else Integer()
        return self

    def process_bind_param(self, value, dialect):
        """Turn a decimal into whole units, refusing any that would be lost."""
        if value is None:
            return None
        value = Decimal(value)
        units = value.scaleb(self.places)
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(units)

    def process_result_value(self, value, dialect):
        """Turn whole units back into a decimal with the column's places.

        A division or an average can yield a fraction of a unit; it is
        returned as it is rather than cut off.
        """
        if value is None:
            return None
        if isinstance(value, int):
            # Whole units, as every stored amount and every sum of them is:
            # moved by the places they already have exactly the unit's digits.
            return Decimal(value).scaleb(-self.places)
        units = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        amount = units.scaleb(-self.places)
        if units == units.to_integral_value():
            return amount.quantize(self.unit)
        return amount

    @property
    def python_type(self):
        return Decimal


class Money(ScaledDecimal):
    """An amount of money with two decimal places, stored exactly."""

    cache_ok = True

    def __init__(self):
        super().__init__(2)


class Rate(ScaledDecimal):
    """An exchange rate with eight decimal places, stored exactly."""

    cache_ok = True

    def __init__(self):
        super().__init__(8)


class UTCDateTime(TypeDecorator):
    """A moment in time, stored in UTC and always returned time-zone aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes, whose zone nobody could tell later."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a moment in time needs a time zone")
        moment = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return moment.replace(tzinfo=None)
        return moment

    def process_result_value(self, value, dialect):
        """Attach UTC to what SQLite hands back without a zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self):
        return datetime


def utc_now() -> datetime:
    """Return the current moment in UTC."""
    return datetime.now(UTC)


class Versioned:
    """Optimistic locking: a save based on an outdated copy is refused."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805 (a class-level directive)
        return {"version_id_col": cls.__table__.c.version}


class Timestamped:
    """Creation and last-change moments, in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now
    )


@event.listens_for(Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, connection_record):
    """Make SQLite refuse orphans, as PostgreSQL always does."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "connect")
def _work_in_utc_on_postgresql(dbapi_connection, connection_record):
    """Make PostgreSQL read days and months of stored moments in UTC.

    Moments are stored in UTC; without this, date() and to_char() on them
    would follow the server's time zone, and a day's totals could differ
    between SQLite and PostgreSQL.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        return
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.autocommit = autocommit

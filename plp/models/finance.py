"""Money spent, money sought from funders, and the rates used to report it."""

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plp.db import Base, Money, Rate, Timestamped, Versioned
from plp.enums import FundingStatus
from plp.models._columns import enum_type


class Expense(Versioned, Timestamped, Base):
    """Money spent on a programme, against one of its budget lines."""

    __tablename__ = "expenses"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # Spending is summed per programme and per budget line; with the
        # amount in the index those sums never read the expenses themselves.
        Index(
            "ix_expenses_programme_line_amount",
            "programme_id",
            "budget_line_id",
            "amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    incurred_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    payee: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme", back_populates="expenses")
    budget_line = relationship("BudgetLine")

    def __str__(self) -> str:
        return f"{self.incurred_on} {self.amount}"


class FundingApplication(Versioned, Timestamped, Base):
    """An application to a trust or foundation for a programme's costs."""

    __tablename__ = "funding_applications"
    __table_args__ = (
        CheckConstraint("amount_asked > 0", name="asked_positive"),
        CheckConstraint(
            "amount_awarded IS NULL OR amount_awarded >= 0",
            name="awarded_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    funder: Mapped[str] = mapped_column(String(200))
    amount_asked: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[FundingStatus] = mapped_column(
        enum_type(FundingStatus), default=FundingStatus.DRAFT
    )
    amount_awarded: Mapped[Decimal | None] = mapped_column(Money)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme", back_populates="funding_applications")

    def __str__(self) -> str:
        return f"{self.funder} ({self.status})"


class ExchangeRate(Versioned, Base):
    """Units of the reporting currency that one unit of a currency buys."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        UniqueConstraint("currency", "reporting_currency", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    reporting_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Rate)
    valid_from: Mapped[date] = mapped_column(Date)

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.reporting_currency}"

"""Residential action-learning seminars, their places and the demand for them."""

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plp.db import Base, Money, Timestamped, Versioned
from plp.enums import EnrolmentStatus, SeminarStatus
from plp.models._columns import enum_type


class Seminar(Versioned, Timestamped, Base):
    """A residential action-learning seminar."""

    __tablename__ = "seminars"
    __table_args__ = (
        CheckConstraint("places >= 0", name="places_not_negative"),
        CheckConstraint("fee_per_place >= 0", name="fee_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    places: Mapped[int] = mapped_column(Integer, default=20)
    fee_per_place: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[SeminarStatus] = mapped_column(
        enum_type(SeminarStatus), default=SeminarStatus.PROPOSED
    )

    enrolments = relationship("SeminarEnrolment", back_populates="seminar")
    interests = relationship("SeminarInterest", back_populates="seminar")

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on})"


class SeminarEnrolment(Versioned, Timestamped, Base):
    """A programme's place at a seminar, committing its fee."""

    __tablename__ = "seminar_enrolments"
    __table_args__ = (
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        UniqueConstraint("seminar_id", "programme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminars.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    enrolled_on: Mapped[date] = mapped_column(Date)
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_type(EnrolmentStatus), default=EnrolmentStatus.ENROLLED
    )

    seminar = relationship("Seminar", back_populates="enrolments")
    programme = relationship("Programme")
    budget_line = relationship("BudgetLine")

    def __str__(self) -> str:
        return f"{self.programme} at {self.seminar} ({self.status})"


class SeminarInterest(Timestamped, Base):
    """A programme's recorded interest in a seminar or a seminar topic."""

    __tablename__ = "seminar_interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    seminar_id: Mapped[int | None] = mapped_column(ForeignKey("seminars.id"))
    topic: Mapped[str] = mapped_column(String(200))
    expressed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme")
    seminar = relationship("Seminar", back_populates="interests")

    def __str__(self) -> str:
        return f"{self.programme}: interest in {self.topic}"

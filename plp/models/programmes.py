"""Programmes and what plans them: assessment, budget and learning agenda."""

from datetime import date, datetime
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

from plp.db import Base, Money, Timestamped, UTCDateTime, Versioned, utc_now
from plp.enums import (
    ActivityType,
    BudgetCategory,
    ItemStatus,
    Priority,
    ProgrammeStatus,
)
from plp.models._columns import enum_type, new_alias


def _programme_reference() -> str:
    return new_alias("PLP")


class Programme(Versioned, Timestamped, Base):
    """One client's peer-learning programme, from enquiry to completion."""

    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint(
            "target_end_date IS NULL OR start_date IS NULL "
            "OR target_end_date >= start_date",
            name="end_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(
        String(20), unique=True, default=_programme_reference
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), index=True
    )
    status: Mapped[ProgrammeStatus] = mapped_column(
        enum_type(ProgrammeStatus), default=ProgrammeStatus.ENQUIRY, index=True
    )
    status_before_hold: Mapped[ProgrammeStatus | None] = mapped_column(
        enum_type(ProgrammeStatus, name="status_before_hold")
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    target_end_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    campaign: Mapped[str | None] = mapped_column(String(300))

    client = relationship("Client", back_populates="programmes")
    facilitator = relationship("User")
    # A programme's plans belong to it alone and go with it when it is deleted;
    # the rules refuse the deletion while anything outside them depends on it.
    assessment = relationship(
        "NeedsAssessment",
        back_populates="programme",
        uselist=False,
        cascade="all, delete-orphan",
    )
    budget = relationship(
        "Budget",
        back_populates="programme",
        uselist=False,
        cascade="all, delete-orphan",
    )
    agenda = relationship(
        "LearningAgenda",
        back_populates="programme",
        uselist=False,
        cascade="all, delete-orphan",
    )
    matches = relationship("Match", back_populates="programme")
    expenses = relationship("Expense", back_populates="programme")
    funding_applications = relationship(
        "FundingApplication", back_populates="programme"
    )

    def __str__(self) -> str:
        return self.reference


class NeedsAssessment(Versioned, Timestamped, Base):
    """The free assessment of a client's aims and the needs to address."""

    __tablename__ = "needs_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), unique=True
    )
    assessed_on: Mapped[date | None] = mapped_column(Date)
    political_aims: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)
    budget_parameters: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme", back_populates="assessment")
    needs = relationship(
        "Need", back_populates="assessment", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"Assessment of {self.programme}"


class Need(Versioned, Base):
    """A gap the programme will address, with its area and priority."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("needs_assessments.id", ondelete="CASCADE"), index=True
    )
    area: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[Priority] = mapped_column(
        enum_type(Priority), default=Priority.MEDIUM
    )

    assessment = relationship("NeedsAssessment", back_populates="needs")

    def __str__(self) -> str:
        # Pickers list the needs of every programme: each names its own.
        label = f"{self.area} ({self.priority})"
        if self.assessment is None or self.assessment.programme is None:
            return label
        return f"{self.assessment.programme} · {label}"


class Budget(Versioned, Timestamped, Base):
    """A programme's individual peer-learning budget.

    Until it is agreed its lines can change freely. Once agreed, the agreed
    total is the baseline and changes are recorded as revisions.
    """

    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint(
            "agreed_total IS NULL OR agreed_total >= 0", name="agreed_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), unique=True
    )
    agreed_total: Mapped[Decimal | None] = mapped_column(Money)
    agreed_on: Mapped[date | None] = mapped_column(Date)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme", back_populates="budget")
    agreed_by = relationship("User")
    lines = relationship(
        "BudgetLine", back_populates="budget", cascade="all, delete-orphan"
    )
    revisions = relationship(
        "BudgetRevision", back_populates="budget", order_by="BudgetRevision.id"
    )

    @property
    def is_agreed(self) -> bool:
        """Tell whether the client has agreed the total."""
        return self.agreed_total is not None

    @property
    def current_total(self) -> Decimal | None:
        """Return the agreed total with every revision applied."""
        if self.agreed_total is None:
            return None
        return self.agreed_total + sum(
            (revision.amount_change for revision in self.revisions), Decimal("0.00")
        )

    def __str__(self) -> str:
        return f"Budget of {self.programme}"


class BudgetLine(Versioned, Base):
    """A costed line of a budget, in the programme's currency."""

    __tablename__ = "budget_lines"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(
        ForeignKey("budgets.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[BudgetCategory] = mapped_column(enum_type(BudgetCategory))
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Money)

    budget = relationship("Budget", back_populates="lines")

    def __str__(self) -> str:
        # Pickers list the lines of every programme: each names its own.
        description = self.description or ""
        if len(description) > 40:
            description = description[:39] + "…"
        label = f"{self.category}: {description}"
        programme = self.budget.programme if self.budget else None
        if programme is None:
            return label
        if self.amount is not None:
            label += f" ({self.amount:,.2f} {programme.currency})"
        return f"{programme} · {label}"


class BudgetRevision(Timestamped, Base):
    """A change to an agreed budget, with its reason and approver."""

    __tablename__ = "budget_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    amount_change: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[date] = mapped_column(Date)

    budget = relationship("Budget", back_populates="revisions")
    budget_line = relationship("BudgetLine")
    approved_by = relationship("User")

    def __str__(self) -> str:
        budget = self.budget
        currency = (
            f" {budget.programme.currency}" if budget and budget.programme else ""
        )
        return f"{self.amount_change:+,.2f}{currency} on {self.approved_on}"


class LearningAgenda(Versioned, Timestamped, Base):
    """The fully costed road map a client builds with their facilitator."""

    __tablename__ = "learning_agendas"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme", back_populates="agenda")
    items = relationship(
        "AgendaItem",
        back_populates="agenda",
        cascade="all, delete-orphan",
        order_by="AgendaItem.due_date",
    )

    def __str__(self) -> str:
        return self.title


class AgendaItem(Versioned, Base):
    """A milestone of a learning agenda, against which progress is measured."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint(
            "percent_done >= 0 AND percent_done <= 100", name="percent_in_range"
        ),
        CheckConstraint(
            "due_date IS NULL OR planned_start IS NULL OR due_date >= planned_start",
            name="due_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_id: Mapped[int] = mapped_column(
        ForeignKey("learning_agendas.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    activity_type: Mapped[ActivityType] = mapped_column(enum_type(ActivityType))
    planned_start: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    status: Mapped[ItemStatus] = mapped_column(
        enum_type(ItemStatus), default=ItemStatus.PLANNED
    )
    percent_done: Mapped[int] = mapped_column(Integer, default=0)

    agenda = relationship("LearningAgenda", back_populates="items")
    need = relationship("Need")
    budget_line = relationship("BudgetLine")
    progress_updates = relationship(
        "ProgressUpdate", back_populates="item", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.title


class ProgressUpdate(Base):
    """A recorded step of progress on an agenda item."""

    __tablename__ = "progress_updates"
    __table_args__ = (
        CheckConstraint(
            "percent_done >= 0 AND percent_done <= 100", name="percent_in_range"
        ),
        UniqueConstraint("item_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    percent_done: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    item = relationship("AgendaItem", back_populates="progress_updates")
    recorded_by = relationship("User")

    def __str__(self) -> str:
        when = f" on {self.recorded_at:%Y-%m-%d}" if self.recorded_at else ""
        return f"{self.percent_done}% done on {self.item}{when}"

"""Introductions between clients and the pool, and the agreements they lead to."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plp.db import Base, Money, Timestamped, UTCDateTime, Versioned, utc_now
from plp.enums import (
    AgreementStatus,
    Channel,
    ConsentDecision,
    ConsentSide,
    MatchingCriterion,
    MatchState,
    PeerRole,
    ProgressRating,
    SessionMode,
)
from plp.models._columns import enum_type


class Match(Versioned, Timestamped, Base):
    """An introduction proposed between a programme's client and a mentor."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    role: Mapped[PeerRole] = mapped_column(enum_type(PeerRole))
    state: Mapped[MatchState] = mapped_column(
        enum_type(MatchState), default=MatchState.SHORTLISTED, index=True
    )
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disclosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    shortlist_id: Mapped[int | None] = mapped_column(ForeignKey("shortlists.id"))

    programme = relationship("Programme", back_populates="matches")
    mentor = relationship("Mentor", back_populates="matches")
    need = relationship("Need")
    consents = relationship(
        "Consent", back_populates="match", order_by="(Consent.recorded_at, Consent.id)"
    )
    agreement = relationship("Agreement", back_populates="match", uselist=False)
    shortlist = relationship("Shortlist")

    def __str__(self) -> str:
        return f"{self.programme} / {self.mentor} ({self.role})"

    def current_consent(self, side: ConsentSide) -> ConsentDecision | None:
        """Return the latest decision recorded for one side, if any."""
        decisions = [c.decision for c in self.consents if c.side == side]
        return decisions[-1] if decisions else None


class MatchingWeight(Versioned, Timestamped, Base):
    """How much one criterion counts when a shortlist ranks the pool.

    Administrators set the weights; each shortlist keeps a copy of those it
    was built with, so its ranking can be explained after they change.
    """

    __tablename__ = "matching_weights"
    __table_args__ = (
        CheckConstraint("weight >= 0 AND weight <= 100", name="weight_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion: Mapped[MatchingCriterion] = mapped_column(
        enum_type(MatchingCriterion), unique=True
    )
    weight: Mapped[int] = mapped_column(Integer)

    def __str__(self) -> str:
        return f"{self.criterion}: {self.weight}"


class Shortlist(Base):
    """A ranked list of pool members fitting a programme, as it was built.

    Written once: the weights, the preferences and the size of the pool it
    was built from stay with it, so the ranking can be explained later.
    """

    __tablename__ = "shortlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    role: Mapped[PeerRole | None] = mapped_column(enum_type(PeerRole))
    region: Mapped[str | None] = mapped_column(String(100))
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # {criterion: weight} as the administrators had set them at the time.
    weights: Mapped[dict] = mapped_column(JSON)
    pool_size: Mapped[int] = mapped_column(Integer, default=0)
    # {reason: number of pool members left out for it}.
    exclusions: Mapped[dict] = mapped_column(JSON, default=dict)

    programme = relationship("Programme")
    need = relationship("Need")
    built_by = relationship("User")
    candidates = relationship(
        "ShortlistCandidate",
        back_populates="shortlist",
        order_by="ShortlistCandidate.rank",
    )

    def __str__(self) -> str:
        when = f" of {self.built_at:%Y-%m-%d %H:%M}" if self.built_at else ""
        return f"Shortlist for {self.programme}{when}"


class ShortlistCandidate(Base):
    """One pool member on a shortlist, with the score and why it was given."""

    __tablename__ = "shortlist_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(ForeignKey("shortlists.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    # Points out of the sum of the shortlist's weights.
    score: Mapped[int] = mapped_column(Integer)
    # [{criterion, weight, points, reason}], one entry per criterion.
    explanation: Mapped[list] = mapped_column(JSON)

    shortlist = relationship("Shortlist", back_populates="candidates")
    mentor = relationship("Mentor")

    def __str__(self) -> str:
        return f"{self.rank}. {self.mentor} ({self.score} points)"


class Consent(Base):
    """One side's recorded word on disclosing names; never edited afterwards."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id"), index=True)
    side: Mapped[ConsentSide] = mapped_column(enum_type(ConsentSide))
    decision: Mapped[ConsentDecision] = mapped_column(enum_type(ConsentDecision))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    imported: Mapped[bool] = mapped_column(Boolean, default=False)

    match = relationship("Match", back_populates="consents")
    recorded_by = relationship("User")

    def __str__(self) -> str:
        when = f" on {self.recorded_at:%Y-%m-%d}" if self.recorded_at else ""
        return f"{self.side}: {self.decision} by {self.channel}{when}"


class Agreement(Versioned, Timestamped, Base):
    """A finalised mentoring or coaching agreement and the money it commits."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("sessions_planned >= 0", name="sessions_not_negative"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="end_after_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id"), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentors.id"), index=True)
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"))
    role: Mapped[PeerRole] = mapped_column(enum_type(PeerRole))
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sessions_planned: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AgreementStatus] = mapped_column(
        enum_type(AgreementStatus), default=AgreementStatus.ACTIVE, index=True
    )
    finalised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    match = relationship("Match", back_populates="agreement")
    programme = relationship("Programme")
    mentor = relationship("Mentor", back_populates="agreements")
    budget_line = relationship("BudgetLine")
    sessions = relationship(
        "MentoringSession", back_populates="agreement", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.programme} / {self.mentor} ({self.role})"


class MentoringSession(Versioned, Base):
    """A mentoring or coaching session held under an agreement."""

    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    mode: Mapped[SessionMode] = mapped_column(enum_type(SessionMode))
    summary: Mapped[str | None] = mapped_column(Text)

    agreement = relationship("Agreement", back_populates="sessions")

    def __str__(self) -> str:
        return f"{self.held_on}, {self.duration_minutes} minutes ({self.mode})"


class CheckIn(Versioned, Base):
    """A facilitator's monitoring check-in on a programme."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date] = mapped_column(Date)
    rating: Mapped[ProgressRating] = mapped_column(enum_type(ProgressRating))
    notes: Mapped[str | None] = mapped_column(Text)

    programme = relationship("Programme")
    facilitator = relationship("User")

    def __str__(self) -> str:
        return f"Check-in on {self.programme}, {self.held_on} ({self.rating})"

"""Clients and the mentor and coach pool, identity kept apart from profile."""

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plp.db import Base, Timestamped, Versioned
from plp.enums import Availability, ExperienceBand, RolesOffered
from plp.models._columns import enum_type, new_alias

# Fields that name a mentor. Only administrators and network coordinators see
# them, and a facilitator once a match in their own programme is disclosed.
MENTOR_IDENTITY_FIELDS = (
    "name",
    "email",
    "phone",
    "country",
    "address",
    "employer_or_party",
    "biography",
    "links",
)

# Fields of a mentor that can be shown without naming them.
MENTOR_PROFILE_FIELDS = (
    "alias_code",
    "roles_offered",
    "expertise",
    "languages",
    "region",
    "experience_band",
    "availability",
    "capacity",
)

CLIENT_IDENTITY_FIELDS = ("name", "email", "phone", "country", "political_aims")
CLIENT_BRIEF_FIELDS = ("alias_code", "region", "languages", "aims_summary")


def _client_alias() -> str:
    return new_alias("C")


def _mentor_alias() -> str:
    return new_alias("M")


class Client(Versioned, Timestamped, Base):
    """An aspiring politician or activist taking part in a programme."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias_code: Mapped[str] = mapped_column(
        String(16), unique=True, default=_client_alias
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    languages: Mapped[str | None] = mapped_column(String(200))
    political_aims: Mapped[str | None] = mapped_column(Text)
    aims_summary: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(String(300))

    programmes = relationship("Programme", back_populates="client")

    def __str__(self) -> str:
        return f"{self.name} ({self.alias_code})"


class Mentor(Versioned, Timestamped, Base):
    """A politician or activist abroad in the School's mentor and coach pool."""

    __tablename__ = "mentors"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alias_code: Mapped[str] = mapped_column(
        String(16), unique=True, default=_mentor_alias
    )

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    employer_or_party: Mapped[str | None] = mapped_column(String(200))
    biography: Mapped[str | None] = mapped_column(Text)
    links: Mapped[str | None] = mapped_column(Text)

    roles_offered: Mapped[RolesOffered] = mapped_column(enum_type(RolesOffered))
    expertise: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    experience_band: Mapped[ExperienceBand | None] = mapped_column(
        enum_type(ExperienceBand)
    )
    availability: Mapped[Availability] = mapped_column(
        enum_type(Availability), default=Availability.AVAILABLE
    )
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    do_not_approach: Mapped[bool] = mapped_column(Boolean, default=False)

    matches = relationship("Match", back_populates="mentor")
    agreements = relationship("Agreement", back_populates="mentor")

    def __str__(self) -> str:
        # Shown in pickers and lists everywhere: it must never name the mentor.
        return self.alias_code

"""The append-only audit trail of consents, disclosures and state changes."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plp.db import Base, UTCDateTime, utc_now


class AuditEvent(Base):
    """Something that happened to a record, written once and never changed."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What made the change when no member of staff did, such as a scheduled run.
    automated_by: Mapped[str | None] = mapped_column(String(100))
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column(Integer)
    # Indexed for the few imports among many events the dashboards look for.
    action: Mapped[str] = mapped_column(String(50), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")

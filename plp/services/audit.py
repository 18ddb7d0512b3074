"""Writing to the append-only audit trail."""

from sqlalchemy.orm import Session

from plp.models import AuditEvent, User

# The action of an event an import of the School's workbook wrote.
IMPORTED = "imported"


def record_event(
    session: Session,
    actor: User | None,
    entity,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Add an audit event for a record; the caller's commit writes it."""
    if entity.id is None:
        # A record added in this same change has no id until it is flushed.
        session.flush()
    event = AuditEvent(
        actor=actor,
        entity_type=type(entity).__name__,
        entity_id=entity.id,
        action=action,
        from_state=None if from_state is None else str(from_state),
        to_state=None if to_state is None else str(to_state),
        note=note,
    )
    session.add(event)
    return event

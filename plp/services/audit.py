"""Writing to the append-only audit trail.

Steps taken through a service (a consent, a disclosure, finalising) are
written by the service, which knows who took them. Records kept up to date
after such a step (an agreement's status, sessions and dates) change through
forms, bulk actions, the import or a command alike, so their changes are
written on every flush, in the name of whoever the session acts for.
"""

from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session

# Imported as a module: the models import this module along with the rules,
# so the rules' names are read when a flush runs, not when this module loads.
from plp import rules
from plp.models import Agreement, AuditEvent, User

# Said of a change recorded with neither a member of staff nor what acted.
NOBODY_RECORDED = "Automatic (no member of staff)"

# Where a session keeps the member of staff its changes are made by.
_ACTOR = "plp.audit.actor"

# An agreement's terms kept up to date after finalising, as the trail names them.
AGREEMENT_TERMS = {
    "sessions_planned": "sessions planned",
    "start_date": "start date",
    "end_date": "end date",
}

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
    automated_by: str | None = None,
) -> AuditEvent:
    """Add an audit event for a record; the caller's commit writes it.

    `automated_by` says what made the change when no member of staff did.
    """
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
        automated_by=automated_by,
    )
    session.add(event)
    return event


def performed_by(event: AuditEvent) -> str:
    """Say who made a recorded change: a member of staff, or what acted instead."""
    if event.actor is not None:
        return event.actor.name
    return event.automated_by or NOBODY_RECORDED


def act_as(session: Session, actor: User | None) -> None:
    """Name the member of staff whose changes this session writes from now on."""
    session.info[_ACTOR] = actor


def acting(session: Session) -> User | None:
    """Return the member of staff this session writes changes for, if known."""
    return session.info.get(_ACTOR)


@event.listens_for(Session, "before_flush")
def _audit_agreement_changes(session: Session, flush_context, instances) -> None:
    """Write each change of a stored agreement's status or terms to the trail."""
    with session.no_autoflush:
        agreements = [
            obj
            for obj in session.dirty
            if isinstance(obj, Agreement) and not rules.is_new(obj)
        ]
        for agreement in agreements:
            _audit_agreement(session, agreement)


def _audit_agreement(session: Session, agreement: Agreement) -> None:
    actor = acting(session)
    status = _change_of(agreement, "status")
    if status:
        record_event(session, actor, agreement, "change status", *status)

    terms = []
    for key, label in AGREEMENT_TERMS.items():
        change = _change_of(agreement, key)
        if change:
            terms.append(f"{label} from {_shown(change[0])} to {_shown(change[1])}")
    if terms:
        record_event(session, actor, agreement, "change terms", note="; ".join(terms))


def _change_of(agreement: Agreement, key: str) -> tuple | None:
    """Return an attribute's stored and new value, if the flush changes it."""
    if not rules.changed(agreement, key):
        return None
    before, after = rules.stored_value(agreement, key), getattr(agreement, key)
    return None if before == after else (before, after)


def _shown(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

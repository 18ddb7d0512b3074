"""The version of the School's records: a new token with every committed change.

Whatever is worked out from the records can be kept under the token it was
read at (the dashboards keep their figures so) and used again until the
token moves. The token moves in the same transaction as the change, whichever
way the change arrives (the panel, a service, the import, a command, the demo
generator), so every process sees the new records and the new token together.

A session notes that it changed records when a flush writes any of them, or
when it executes an INSERT, UPDATE or DELETE statement itself, and writes the
new token just before it commits. Writes must therefore go through a session:
a statement run on a bare connection changes nothing here.

The token is a table of its own, not a model: it is no record of the School,
and nobody edits it. It is random rather than a counter: a database emptied or restored
from a backup never hands out again a token that stood for other records.

One row holds it, so two transactions that change records queue for it on
PostgreSQL. The row is written last, just before COMMIT, and is held only for
the commit itself; after it a transaction takes no other lock, so waiting for
it cannot deadlock. A School's staff save a few changes a minute, so the wait
is a commit's length at most.
"""

import uuid

from sqlalchemy import Column, Integer, String, Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from plp.db import Base

# The one row the table holds.
THE_ROW = 1

RECORDS_VERSION = Table(
    "records_version",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("token", String(32), nullable=False),
)

# Where a session notes that its transaction changed the School's records.
_CHANGED = "plp.records_changed"

# The statement that writes a new token, inserting the row if it is missing.
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def records_version(session: Session) -> str | None:
    """Return the token of the records' current version, None before any change."""
    query = select(RECORDS_VERSION.c.token).where(RECORDS_VERSION.c.id == THE_ROW)
    return session.execute(query).scalar_one_or_none()


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    """Note a flush that wrote, changed or deleted any record."""
    dirty = session.dirty
    if session.new or session.deleted or any(map(session.is_modified, dirty)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    """Note an INSERT, UPDATE or DELETE statement run through the session."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _move_version(session: Session) -> None:
    """Write a new token in the committing transaction if it changed records."""
    # The commit flushes only after this hook; flush now to see every change.
    session.flush()
    if not session.info.pop(_CHANGED, False):
        return

    connection = session.connection()
    token = uuid.uuid4().hex
    upsert = _UPSERTS[connection.dialect.name]
    statement = (
        upsert(RECORDS_VERSION)
        .values(id=THE_ROW, token=token)
        .on_conflict_do_update(index_elements=["id"], set_={"token": token})
    )
    connection.execute(statement)


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction) -> None:
    """Forget the changes of a transaction rolled back (or committed)."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)

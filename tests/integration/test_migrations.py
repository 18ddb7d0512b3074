"""The migrations have one head and build exactly the schema the models describe."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

import tests.conftest as shared
from plp.db import Base
from plp.enums import MatchState as M
from plp.models import AuditEvent, Match
from tests.unit.factories import make_match, make_mentor, make_programme

PROJECT = Path(__file__).resolve().parents[2]

# A schema of its own, so the shared test database's tables are left alone.
SCHEMA = "test_migrations"


def test_there_is_exactly_one_migration_head():
    heads = ScriptDirectory(str(PROJECT / "migrations")).get_heads()

    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"


@pytest.fixture
def empty_database_url(tmp_path_factory):
    """Yield the URL of an empty database of the kind DATABASE_URL names."""
    url = shared.test_database_url(tmp_path_factory)
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('migrations') / 'empty.sqlite'}"
        return

    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options={quote(f'-csearch_path={SCHEMA}')}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
    admin.dispose()


def upgrade_to_head(url: str, revision: str = "head") -> None:
    """Run `flask db upgrade` (to head unless told) as an administrator would."""
    environment = {**os.environ, "DATABASE_URL": url, "PLP_SECRET_KEY": "migrations"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade", revision],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_upgrading_an_empty_database_gives_the_models_schema(empty_database_url):
    upgrade_to_head(empty_database_url)

    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == [], "the migrations and the models disagree"


def test_upgrading_keeps_early_end_reasons_to_the_audit_trail(empty_database_url):
    upgrade_to_head(empty_database_url, "323a9415a38e")
    engine = create_engine(empty_database_url)
    # Written in the connection's transaction, not committed by the session:
    # a session's commit also writes the records' version, a table this
    # revision predates.
    with engine.begin() as connection, Session(connection) as session:
        programme = make_programme(session)
        said = "Ms Brackenfold finds the mentor too partisan"
        early = make_match(session, programme, make_mentor(session), M.WITHDRAWN)
        early.end_reason = said
        late = make_match(session, programme, make_mentor(session), M.DECLINED)
        late.disclosed_at, late.end_reason = datetime.now(UTC), said
        refused = make_match(session, programme, make_mentor(session), M.DECLINED)
        refused.end_reason = "Consent to disclosure was not given."
        session.flush()
        ids = early.id, late.id, refused.id

    upgrade_to_head(empty_database_url)

    with Session(engine) as session:
        reasons = [session.get(Match, match_id).end_reason for match_id in ids]
        trail = session.execute(
            select(AuditEvent.entity_id, AuditEvent.note).where(
                AuditEvent.note.contains("Brackenfold")
            )
        ).all()
    engine.dispose()
    assert reasons == [
        "Withdrawn before the names were disclosed.",
        said,
        "Consent to disclosure was not given.",
    ]
    assert trail == [(ids[0], f"Ended before disclosure: {said}")]

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
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.orm import Session

import tests.conftest as shared
from plp.db import Base
from plp.enums import MatchState as M
from plp.enums import ProgrammeStatus
from plp.models import AuditEvent, Match, Programme, User
from plp.services.matching import delete_shortlisted
from tests.unit.factories import (
    make_agreement,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)

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


def in_any_order(described: list[dict]) -> list[dict]:
    """Sort what the inspector lists, whose order a rebuilt table may change."""
    return sorted(described, key=repr)


def schema_and_rows(engine) -> dict:
    """Describe every table: its columns, keys, constraints, indexes and rows."""
    described = {}
    schema = inspect(engine)
    with engine.connect() as connection:
        for table in schema.get_table_names():
            if table == "alembic_version":
                continue
            rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            described[table] = {
                "columns": [
                    (column["name"], str(column["type"]), column["nullable"])
                    for column in schema.get_columns(table)
                ],
                "foreign keys": in_any_order(schema.get_foreign_keys(table)),
                "unique": in_any_order(schema.get_unique_constraints(table)),
                "checks": in_any_order(schema.get_check_constraints(table)),
                "indexes": in_any_order(schema.get_indexes(table)),
                "rows": rows.all(),
            }
    return described


def test_upgrading_keeps_every_row_and_gives_no_deleted_matchs_id_again(
    empty_database_url,
):
    upgrade_to_head(empty_database_url, "e68df7dcb1e9")
    engine = create_engine(empty_database_url)
    with Session(engine) as session:
        facilitator = make_user(session)
        programme = make_programme(session, ProgrammeStatus.ACTIVE, facilitator)
        make_agreement(session, programme, make_mentor(session))
        for _ in range(3):
            make_match(session, programme, make_mentor(session), M.SHORTLISTED)
        session.commit()
        facilitator_id, programme_id = facilitator.id, programme.id
    before = schema_and_rows(engine)

    # Through the rebuild alone: later revisions may add to the schema.
    upgrade_to_head(empty_database_url, "f682a90d147f")

    assert schema_and_rows(engine) == before
    with Session(engine) as session:
        highest = session.execute(select(func.max(Match.id))).scalar_one()
        delete_shortlisted(session, session.get(User, facilitator_id), [highest])
        programme = session.get(Programme, programme_id)
        new = make_match(session, programme, make_mentor(session), M.SHORTLISTED)
        session.commit()
        trail = session.execute(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "Match", AuditEvent.entity_id == new.id
            )
        ).all()
    engine.dispose()
    assert new.id > highest
    assert trail == []

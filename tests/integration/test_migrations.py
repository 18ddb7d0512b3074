"""The migrations have one head and build exactly the schema the models describe."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

import tests.conftest as shared
from plp.db import Base

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


def upgrade_to_head(url: str) -> None:
    """Run `flask db upgrade` against a database, as an administrator would."""
    environment = {**os.environ, "DATABASE_URL": url, "PLP_SECRET_KEY": "migrations"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
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

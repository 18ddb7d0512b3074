"""Fixtures shared by every tier of tests."""

import os

import pytest
from sqlalchemy import create_engine, text

from plp.db import Base


def test_database_url(tmp_path_factory) -> str:
    """Return the database the tests use: DATABASE_URL, or a fresh SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """Create every table once for the whole run, in an empty database."""
    url = test_database_url(tmp_path_factory)
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def empty_all_tables(connection) -> None:
    """Delete every row, leaving the tables, so each test starts empty."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if connection.dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            connection.execute(table.delete())
        # Start ids again from 1, as RESTART IDENTITY does on PostgreSQL.
        connection.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """Hash test passwords with light Argon2 settings; production keeps the defaults.

    The default settings cost tens of milliseconds a hash by design, which adds
    minutes over a test run that creates thousands of accounts.
    """
    from argon2 import PasswordHasher

    from plp.services import accounts

    production_hasher = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = production_hasher

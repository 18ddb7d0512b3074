"""Unit tests run against `plp` alone: a plain SQLAlchemy session, no Flask."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tests.conftest import empty_all_tables


@pytest.fixture
def session(database_url):
    """Yield a session on an empty database; every row is gone afterwards."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        yield session
        session.rollback()
    with engine.begin() as connection:
        empty_all_tables(connection)
    engine.dispose()

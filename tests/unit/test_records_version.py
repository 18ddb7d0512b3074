"""The records' version moves with every committed change, and with nothing else."""

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from plp.models import Client
from plp.records_version import records_version
from tests.unit.factories import make_client, make_programme


@pytest.fixture
def elsewhere(session):
    """Yield a second session, as another worker process would read the records."""
    with Session(session.get_bind()) as other:
        yield other


def version_seen_by(other: Session) -> str | None:
    """Read the version as a new transaction of another session sees it."""
    other.rollback()
    return records_version(other)


def test_a_new_record_moves_the_version_when_it_is_committed(session, elsewhere):
    before = version_seen_by(elsewhere)

    make_client(session)
    unseen = version_seen_by(elsewhere)
    session.commit()

    assert unseen == before
    assert version_seen_by(elsewhere) not in (before, None)


def test_a_changed_record_moves_the_version(session, elsewhere):
    client = make_client(session)
    session.commit()
    before = version_seen_by(elsewhere)

    client.region = "West Africa"
    session.commit()

    assert version_seen_by(elsewhere) != before


def test_a_deleted_record_moves_the_version(session, elsewhere):
    programme = make_programme(session)
    session.commit()
    before = version_seen_by(elsewhere)

    session.delete(programme)
    session.commit()

    assert version_seen_by(elsewhere) != before


def test_a_statement_run_through_the_session_moves_the_version(session, elsewhere):
    make_client(session, region="Andes")
    session.commit()
    before = version_seen_by(elsewhere)

    session.execute(update(Client).values(region="West Africa"))
    session.commit()

    assert version_seen_by(elsewhere) != before


def test_a_rolled_back_change_leaves_the_version_alone(session, elsewhere):
    client = make_client(session)
    session.commit()
    before = version_seen_by(elsewhere)

    client.region = "West Africa"
    make_client(session)
    session.rollback()
    session.commit()

    assert version_seen_by(elsewhere) == before
    assert records_version(session) == before


def test_reading_and_saving_unchanged_records_leaves_the_version_alone(
    session, elsewhere
):
    client = make_client(session)
    session.commit()
    before = version_seen_by(elsewhere)

    client.region = client.region
    session.get(Client, client.id)
    session.commit()

    assert version_seen_by(elsewhere) == before

"""What the portfolio filters offer: facilitators, regions and countries.

A client's country is part of their identity. A country is offered, and
accepted, only where at least MIN_CLIENTS_PER_COUNTRY clients with a
programme live, so that choosing it never singles a client out.
"""

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from plp.models import Client, Programme, User

MIN_CLIENTS_PER_COUNTRY = 3


def facilitators(session: Session) -> list[tuple[int, str]]:
    """Return (id, name) of the staff facilitating any programme, by name."""
    query = (
        select(User.id, User.name)
        .where(User.id.in_(select(Programme.facilitator_id)))
        .order_by(User.name, User.id)
    )
    return list(session.execute(query).tuples())


def regions(session: Session) -> list[str]:
    """Return the regions of clients with a programme, in alphabetical order."""
    query = (
        select(distinct(Client.region))
        .join(Programme, Programme.client_id == Client.id)
        .where(Client.region.is_not(None), Client.region != "")
        .order_by(Client.region)
    )
    return list(session.execute(query).scalars())


def countries(session: Session) -> list[str]:
    """Return the countries shared by enough clients with a programme to name."""
    query = (
        select(Client.country)
        .join(Programme, Programme.client_id == Client.id)
        .where(Client.country.is_not(None), Client.country != "")
        .group_by(Client.country)
        .having(func.count(distinct(Client.id)) >= MIN_CLIENTS_PER_COUNTRY)
        .order_by(Client.country)
    )
    return list(session.execute(query).scalars())

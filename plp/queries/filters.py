"""The filters every portfolio question shares: period, facilitator, place, stage."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from plp.enums import ProgrammeStatus
from plp.models import Client, Programme


@dataclass(frozen=True)
class PortfolioFilter:
    """Which programmes a portfolio question covers, and over which period.

    A programme is in the period when its dates overlap it; one with no dates
    yet is always in. Region and country are the client's.
    """

    period_start: date | None = None
    period_end: date | None = None
    facilitator_id: int | None = None
    region: str | None = None
    country: str | None = None
    statuses: tuple[ProgrammeStatus, ...] = ()

    def __post_init__(self):
        start, end = self.period_start, self.period_end
        if start and end and end < start:
            raise ValueError(f"the period ends on {end}, before it starts on {start}")


def programme_ids(portfolio: PortfolioFilter) -> Select:
    """Return a query of the ids of the programmes a filter covers."""
    query = select(Programme.id)
    if portfolio.region or portfolio.country:
        query = query.join(Client, Client.id == Programme.client_id)
    if portfolio.region:
        query = query.where(Client.region == portfolio.region)
    if portfolio.country:
        query = query.where(Client.country == portfolio.country)
    if portfolio.facilitator_id is not None:
        query = query.where(Programme.facilitator_id == portfolio.facilitator_id)
    if portfolio.statuses:
        query = query.where(Programme.status.in_(portfolio.statuses))
    if portfolio.period_end:
        query = query.where(
            Programme.start_date.is_(None)
            | (Programme.start_date <= portfolio.period_end)
        )
    if portfolio.period_start:
        query = query.where(
            Programme.target_end_date.is_(None)
            | (Programme.target_end_date >= portfolio.period_start)
        )
    return query


def in_period(column, portfolio: PortfolioFilter):
    """Return the condition that a dated row falls within the filter's period."""
    conditions = []
    if portfolio.period_start:
        conditions.append(column >= portfolio.period_start)
    if portfolio.period_end:
        conditions.append(column <= portfolio.period_end)
    return conditions

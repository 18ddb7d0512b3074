"""What every callback needs from the running application: session, day, currency."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from admin.extensions import db
from dashboards.cache import CachedQueries
from dashboards.filters import FilterValues, to_portfolio
from plp.queries.choices import countries, facilitators
from plp.queries.filters import PortfolioFilter


def session() -> Session:
    """Return the request's database session."""
    return db.session


def cached_queries() -> CachedQueries:
    """Return the cache a callback's queries are answered from."""
    return CachedQueries(session())


def today():
    """Return today's date in the School's time zone."""
    return datetime.now(ZoneInfo(current_app.config["PLP_TIMEZONE"])).date()


def reporting_currency() -> str:
    """Return the currency portfolio totals are reported in."""
    return current_app.config["PLP_REPORTING_CURRENCY"]


def read_filter(
    values: FilterValues, queries: CachedQueries
) -> tuple[PortfolioFilter, list[str]]:
    """Build the portfolio filter from the filter bar's values, with any refusals.

    A country names a client unless several share it, so only the countries
    the filter bar offers are applied, however the request was made; so is a
    facilitator, so that an address naming nobody's account says so rather
    than showing an empty School.
    """
    portfolio, problems = to_portfolio(values)
    chosen = portfolio.facilitator_id
    if chosen is not None and chosen not in dict(queries(facilitators)):
        problems.append(
            f"“{chosen}” is not a facilitator of any programme: "
            "the filter is not applied."
        )
        portfolio = replace(portfolio, facilitator_id=None)
    if portfolio.country and portfolio.country not in queries(countries):
        problems.append(
            f"“{portfolio.country}” is not one of the countries offered: "
            "the place filter is not applied."
        )
        portfolio = replace(portfolio, country=None)
    return portfolio, problems

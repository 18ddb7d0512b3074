"""The portfolio at a glance: stages, progress bands, money and matches in progress."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.enums import MatchState, ProgrammeStatus, ProgressRating
from plp.models import Match, Programme
from plp.queries.filters import PortfolioFilter, programme_ids
from plp.queries.money import Converted, convert, exchange_rates, money_by_currency
from plp.queries.progress import programmes_by_band

# Matches still under way: neither ended nor yet an agreement.
IN_PROGRESS = (
    MatchState.SHORTLISTED,
    MatchState.PROPOSED,
    MatchState.DISCLOSED,
    MatchState.INTERVIEW,
    MatchState.INVITED,
    MatchState.ACCEPTED,
)


@dataclass(frozen=True)
class Overview:
    """What the overview page shows, each figure leading to its own page."""

    programmes: int
    by_stage: dict[ProgrammeStatus, int]
    by_band: dict[ProgressRating | None, int]
    money: Converted
    matches_in_progress: int


def overview(
    session: Session, portfolio: PortfolioFilter, on: date, reporting: str
) -> Overview:
    """Return the portfolio at a glance on a day, money in the reporting currency."""
    covered = programme_ids(portfolio)
    stages = session.execute(
        select(Programme.status, func.count())
        .where(Programme.id.in_(covered))
        .group_by(Programme.status)
    ).all()
    by_stage = dict.fromkeys(ProgrammeStatus, 0) | dict(stages)

    bands = programmes_by_band(session, portfolio, on)
    money = convert(
        money_by_currency(session, portfolio),
        exchange_rates(session, reporting, on),
        reporting,
    )
    matches = session.execute(
        select(func.count())
        .select_from(Match)
        .where(Match.programme_id.in_(covered), Match.state.in_(IN_PROGRESS))
    ).scalar_one()
    return Overview(
        programmes=sum(by_stage.values()),
        by_stage=by_stage,
        by_band=bands,
        money=money,
        matches_in_progress=matches,
    )

"""Progress against learning agendas: how much is done against how much time passed.

A programme's share done is measured by cost (each item's cost times its
percent done, over the agenda's cost) and by count (items done over items).
Set against the share of its planned time that has passed, it puts the
programme in a band: on track, at risk or behind. Dropped items count in
neither share.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from plp.enums import ItemStatus, ProgressRating
from plp.models import (
    AgendaItem,
    LearningAgenda,
    Need,
    Programme,
    ProgressUpdate,
    User,
)
from plp.queries.filters import PortfolioFilter, programme_ids

# How far the share done may trail the share of time passed: up to the first
# a programme is on track, up to the second at risk, beyond it behind.
ON_TRACK_LAG = Decimal("0.10")
AT_RISK_LAG = Decimal("0.25")

# Items still to be finished; once their due date passes they are overdue.
OPEN_ITEMS = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS)


@dataclass(frozen=True)
class ProgrammeProgress:
    """One programme's progress against its agenda on a given day."""

    reference: str
    facilitator: str | None
    items: int
    items_done: int
    cost: Decimal
    cost_done: Decimal
    overdue: int
    time_share: Decimal | None

    @property
    def done_share_by_cost(self) -> Decimal | None:
        """Return the share of the agenda's cost done, or None with no cost."""
        return self.cost_done / self.cost if self.cost else None

    @property
    def done_share_by_count(self) -> Decimal | None:
        """Return the share of the agenda's items done, or None with no items."""
        return Decimal(self.items_done) / self.items if self.items else None

    @property
    def done_share(self) -> Decimal | None:
        """Return the share done by cost, or by count where nothing is costed."""
        by_cost = self.done_share_by_cost
        return by_cost if by_cost is not None else self.done_share_by_count

    @property
    def band(self) -> ProgressRating | None:
        """Return on track, at risk or behind; None without dates or items."""
        done, elapsed = self.done_share, self.time_share
        if done is None or elapsed is None:
            return None
        lag = elapsed - done
        if lag <= ON_TRACK_LAG:
            return ProgressRating.ON_TRACK
        if lag <= AT_RISK_LAG:
            return ProgressRating.AT_RISK
        return ProgressRating.BEHIND


@dataclass(frozen=True)
class ItemTimeline:
    """An agenda item, planned against actual, named without free text."""

    label: str
    need_area: str | None
    status: ItemStatus
    percent_done: int
    cost: Decimal
    planned_start: date | None
    due_date: date | None
    first_progress: date | None
    last_progress: date | None
    overdue: bool


def time_share(start: date | None, end: date | None, on: date) -> Decimal | None:
    """Return the share of a programme's planned time passed on a day, 0 to 1."""
    if start is None or end is None or end <= start:
        return None
    passed = (min(max(on, start), end) - start).days
    return Decimal(passed) / (end - start).days


def progress_by_programme(
    session: Session, portfolio: PortfolioFilter, on: date
) -> list[ProgrammeProgress]:
    """Return each covered programme with an agenda, its progress on a day."""
    items, items_done, cost, cost_percent, overdue = _agenda_sums(on)
    query = (
        select(
            Programme.reference,
            User.name,
            Programme.start_date,
            Programme.target_end_date,
            items,
            items_done,
            cost,
            cost_percent,
            overdue,
        )
        .join(LearningAgenda, LearningAgenda.programme_id == Programme.id)
        .join(AgendaItem, AgendaItem.agenda_id == LearningAgenda.id)
        .outerjoin(User, User.id == Programme.facilitator_id)
        .where(Programme.id.in_(programme_ids(portfolio)))
        .group_by(
            Programme.id,
            Programme.reference,
            User.name,
            Programme.start_date,
            Programme.target_end_date,
        )
        .order_by(Programme.reference)
    )
    return [
        ProgrammeProgress(
            reference=reference,
            facilitator=facilitator,
            items=items,
            items_done=items_done,
            cost=cost or Decimal("0.00"),
            cost_done=(cost_percent or Decimal(0)) / 100,
            overdue=overdue_items,
            time_share=time_share(start, end, on),
        )
        for (
            reference,
            facilitator,
            start,
            end,
            items,
            items_done,
            cost,
            cost_percent,
            overdue_items,
        ) in session.execute(query).tuples()
    ]


def _agenda_sums(on: date) -> tuple:
    """Return a programme's items, items done, cost, cost times percent done, overdue.

    Dropped items count in none of them but the overdue ones, which are open.
    """
    counted = AgendaItem.status != ItemStatus.DROPPED
    done = AgendaItem.status == ItemStatus.DONE
    overdue = AgendaItem.status.in_(OPEN_ITEMS) & (AgendaItem.due_date < on)
    zero_cost = AgendaItem.cost * 0
    return (
        func.count(AgendaItem.id).filter(counted),
        func.count(AgendaItem.id).filter(done),
        func.sum(case((counted, AgendaItem.cost), else_=zero_cost)),
        func.sum(
            case(
                (counted, AgendaItem.cost * AgendaItem.percent_done),
                else_=zero_cost,
            )
        ),
        func.count(AgendaItem.id).filter(overdue),
    )


def programmes_by_band(
    session: Session, portfolio: PortfolioFilter, on: date
) -> dict[ProgressRating | None, int]:
    """Count the covered programmes with an agenda in each band on a day.

    The bands are those of `ProgrammeProgress.band`, worked out in SQL in
    whole numbers: both shares and the lags are fractions, compared exactly
    by multiplying out their denominators.
    """
    items, items_done, cost, cost_percent, _ = _agenda_sums(on)
    sums = (
        select(
            Programme.start_date.label("start"),
            Programme.target_end_date.label("end"),
            items.label("counted_items"),
            items_done.label("items_done"),
            # Whole cents, and whole cents times percent: the shares' terms.
            type_coerce(cost, BigInteger).label("cost"),
            type_coerce(cost_percent, BigInteger).label("cost_percent"),
        )
        .join(LearningAgenda, LearningAgenda.programme_id == Programme.id)
        .join(AgendaItem, AgendaItem.agenda_id == LearningAgenda.id)
        .where(Programme.id.in_(programme_ids(portfolio)))
        .group_by(Programme.id, Programme.start_date, Programme.target_end_date)
        .subquery()
    )
    bands = select(_band(session, sums.c, on).label("band")).subquery()
    query = select(bands.c.band, func.count()).group_by(bands.c.band)
    return {
        None if code is None else BANDS[code]: count
        for code, count in session.execute(query).tuples()
    }


# The bands in the order of the codes `_band` gives them in SQL.
BANDS = (ProgressRating.ON_TRACK, ProgressRating.AT_RISK, ProgressRating.BEHIND)


def _band(session: Session, programme, on: date):
    """Return a SQL expression of a programme's band code, or NULL for no band.

    With the time passed p of d days and the share done a / b, the lag is
    p/d - a/b; it is at most a lag n/m when m(pb - ad) <= ndb, as d, b and m
    are positive.
    """
    day = literal(on, Date)
    length = _days(session, programme.start, programme.end)
    passed = case(
        (day <= programme.start, 0),
        (day >= programme.end, length),
        else_=_days(session, programme.start, day),
    )
    by_cost = programme.cost > 0
    a = case((by_cost, programme.cost_percent), else_=programme.items_done)
    b = case((by_cost, programme.cost * 100), else_=programme.counted_items)
    trailing = passed * b - a * length

    def within(lag: Decimal):
        n, m = lag.as_integer_ratio()
        return trailing * m <= length * b * n

    return case(
        (programme.start.is_(None) | programme.end.is_(None), None),
        (programme.end <= programme.start, None),
        (b == 0, None),
        (within(ON_TRACK_LAG), 0),
        (within(AT_RISK_LAG), 1),
        else_=2,
    )


def _days(session: Session, earlier, later):
    """Return a portable SQL expression for the whole days from one date to another."""
    if session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def agenda_timeline(
    session: Session, portfolio: PortfolioFilter, reference: str, on: date
) -> list[ItemTimeline]:
    """Return one covered programme's agenda items, planned against actual.

    An item is labelled by its number and kind rather than its title, which
    is free text and may name people. A programme outside the filter gives
    no items.
    """
    progress = (
        select(
            ProgressUpdate.item_id,
            func.min(ProgressUpdate.recorded_at).label("first"),
            func.max(ProgressUpdate.recorded_at).label("last"),
        )
        .group_by(ProgressUpdate.item_id)
        .subquery()
    )
    query = (
        select(
            AgendaItem.activity_type,
            Need.area,
            AgendaItem.status,
            AgendaItem.percent_done,
            AgendaItem.cost,
            AgendaItem.planned_start,
            AgendaItem.due_date,
            progress.c.first,
            progress.c.last,
        )
        .join(LearningAgenda, LearningAgenda.id == AgendaItem.agenda_id)
        .join(Programme, Programme.id == LearningAgenda.programme_id)
        .outerjoin(Need, Need.id == AgendaItem.need_id)
        .outerjoin(progress, progress.c.item_id == AgendaItem.id)
        .where(Programme.reference == reference)
        .where(Programme.id.in_(programme_ids(portfolio)))
        .order_by(AgendaItem.planned_start, AgendaItem.due_date, AgendaItem.id)
    )
    rows = session.execute(query).tuples().all()
    return [
        ItemTimeline(
            label=f"{number}. {activity}",
            need_area=area,
            status=status,
            percent_done=percent,
            cost=cost,
            planned_start=start,
            due_date=due,
            first_progress=_day(first),
            last_progress=_day(last),
            overdue=status in OPEN_ITEMS and due is not None and due < on,
        )
        for number, (
            activity,
            area,
            status,
            percent,
            cost,
            start,
            due,
            first,
            last,
        ) in enumerate(rows, start=1)
    ]


def _day(moment) -> date | None:
    # Moments come back in UTC; a day on a timeline needs no finer grain.
    return moment.date() if moment is not None else None

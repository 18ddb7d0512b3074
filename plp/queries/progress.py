"""Progress against learning agendas: how much is done against how much time passed.

A programme's share done is measured by cost (each item's cost times its
percent done, over the agenda's cost) and by count (items done over items).
Set against the share of its planned time that has passed, it puts the
programme in a band: on track, at risk or behind. Dropped items count in
neither share.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    Float,
    Integer,
    case,
    cast,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
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


@dataclass(frozen=True)
class ProgressSummary:
    """What the progress charts draw of the covered programmes with an agenda.

    The programmes trailing time the most, most first (ties in reference
    order); the programmes with the most overdue items, most first; and
    counts of every programme by band, by facilitator and band, and of those
    with overdue items and their items.
    """

    trailing: list[ProgrammeProgress] = field(default_factory=list)
    bands: dict[ProgressRating | None, int] = field(default_factory=dict)
    by_facilitator: dict[str | None, dict[ProgressRating | None, int]] = field(
        default_factory=dict
    )
    late: list[ProgrammeProgress] = field(default_factory=list)
    late_programmes: int = 0
    late_items: int = 0

    @property
    def programmes(self) -> int:
        """Return how many programmes are counted."""
        return sum(self.bands.values())


def lag(row: ProgrammeProgress) -> Decimal:
    """Return how far a programme's share done trails its time passed; least without."""
    done, passed = row.done_share, row.time_share
    if done is None or passed is None:
        return Decimal(-2)
    return passed - done


def summarise(
    rows: Sequence[ProgrammeProgress], trailing: int, late: int
) -> ProgressSummary:
    """Return the summary of programmes already read, as `progress_summary` gives it."""
    by_facilitator: dict = defaultdict(Counter)
    for row in rows:
        by_facilitator[row.facilitator][row.band] += 1
    overdue = sorted(
        (row for row in rows if row.overdue),
        key=lambda row: (-row.overdue, row.reference),
    )
    return ProgressSummary(
        trailing=_trailing_most(rows, trailing),
        bands=dict(Counter(row.band for row in rows)),
        by_facilitator={name: dict(bands) for name, bands in by_facilitator.items()},
        late=overdue[:late],
        late_programmes=len(overdue),
        late_items=sum(row.overdue for row in overdue),
    )


def _trailing_most(rows, most: int) -> list[ProgrammeProgress]:
    # The same as sorting them all by lag, without sorting those never shown;
    # nlargest keeps tied rows in the order given.
    return heapq.nlargest(most, rows, key=lag)


def time_share(start: date | None, end: date | None, on: date) -> Decimal | None:
    """Return the share of a programme's planned time passed on a day, 0 to 1."""
    if start is None or end is None or end <= start:
        return None
    passed = (min(max(on, start), end) - start).days
    return Decimal(passed) / (end - start).days


def _per_programme(portfolio: PortfolioFilter, *columns):
    """Select columns per covered programme with an agenda, over its items."""
    return (
        select(*columns)
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
    )


def progress_by_programme(
    session: Session, portfolio: PortfolioFilter, on: date
) -> list[ProgrammeProgress]:
    """Return each covered programme with an agenda, its progress on a day."""
    items, items_done, cost, cost_percent, overdue = _agenda_sums(on)
    query = _per_programme(
        portfolio,
        Programme.reference,
        User.name,
        Programme.start_date,
        Programme.target_end_date,
        items,
        items_done,
        cost,
        cost_percent,
        overdue,
    ).order_by(Programme.reference)
    return [_progress(on, *row) for row in session.execute(query).tuples()]


# Rows read beyond those ranked, so that lags too close to tell apart as
# floating point in SQL are ranked again exactly.
RANKING_MARGIN = 50


def progress_summary(
    session: Session, portfolio: PortfolioFilter, on: date, trailing: int, late: int
) -> ProgressSummary:
    """Return what the progress charts draw, in one statement.

    Only the programmes drawn are read: up to `trailing` trailing time the
    most and up to `late` with the most overdue items, with the counts by
    facilitator and band. The same as `summarise` over `progress_by_programme`
    without reading every programme.
    """
    items, items_done, cost, cost_percent, overdue = _agenda_sums(on)
    sums = _per_programme(
        portfolio,
        Programme.reference.label("reference"),
        User.name.label("facilitator"),
        Programme.start_date.label("start"),
        Programme.target_end_date.label("end"),
        items.label("counted_items"),
        items_done.label("items_done"),
        cost.label("cost"),
        cost_percent.label("cost_percent"),
        overdue.label("overdue"),
    ).cte("programme_sums")
    terms = _Terms(sums.c)
    band = _band(session, terms, on)
    programme = [
        sums.c.reference,
        sums.c.facilitator,
        sums.c.start,
        sums.c.end,
        sums.c.counted_items,
        sums.c.items_done,
        sums.c.cost,
        sums.c.cost_percent,
        sums.c.overdue,
    ]
    # Each part of the statement gives the same columns, NULL where it has none.
    # PostgreSQL needs each NULL's type to match the other parts' columns.
    none = [cast(null(), column.type).label(column.name) for column in programme]
    no_counts = [
        cast(null(), Integer).label(name) for name in ("band", "programmes", "late")
    ]
    ranked = (
        select(literal("trailing").label("kind"), *programme, *no_counts)
        .order_by(_lag_key(session, terms, on).desc(), sums.c.reference)
        .limit(trailing + RANKING_MARGIN)
        .subquery()
    )
    most_late = (
        select(literal("late").label("kind"), *programme, *no_counts)
        .where(sums.c.overdue > 0)
        .order_by(sums.c.overdue.desc(), sums.c.reference)
        .limit(late)
        .subquery()
    )
    counts = select(
        literal("count").label("kind"),
        *none[:1],
        sums.c.facilitator,
        *none[2:8],
        func.sum(sums.c.overdue),
        band.label("band"),
        func.count(),
        func.count().filter(sums.c.overdue > 0),
    ).group_by(sums.c.facilitator, band)
    query = union_all(select(*ranked.c), select(*most_late.c), counts)
    read, late_rows = [], []
    bands, by_facilitator = Counter(), defaultdict(Counter)
    late_programmes = late_items = 0
    for kind, *row, code, programmes, late_ones in session.execute(query):
        if kind == "count":
            facilitator, overdue_items = row[1], row[8]
            rating = None if code is None else BANDS[code]
            bands[rating] += programmes
            by_facilitator[facilitator][rating] += programmes
            late_programmes += late_ones
            late_items += overdue_items
        else:
            (read if kind == "trailing" else late_rows).append(_progress(on, *row))
    return ProgressSummary(
        trailing=_trailing_most(read, trailing),
        bands=dict(bands),
        by_facilitator={
            name: dict(counted) for name, counted in by_facilitator.items()
        },
        late=late_rows,
        late_programmes=late_programmes,
        late_items=late_items,
    )


def _progress(
    on, reference, facilitator, start, end, items, done, cost, cost_percent, overdue
) -> ProgrammeProgress:
    return ProgrammeProgress(
        reference=reference,
        facilitator=facilitator,
        items=items,
        items_done=done,
        cost=cost or Decimal("0.00"),
        cost_done=(cost_percent or Decimal(0)) / 100,
        overdue=overdue,
        time_share=time_share(start, end, on),
    )


class _Terms:
    """A programme's sums as the band's and the lag's whole-number terms."""

    def __init__(self, columns):
        self.start, self.end = columns.start, columns.end
        self.counted_items, self.items_done = columns.counted_items, columns.items_done
        # Whole cents, and whole cents times percent: the shares' terms.
        self.cost = type_coerce(columns.cost, BigInteger)
        self.cost_percent = type_coerce(columns.cost_percent, BigInteger)


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
    # Not `_per_programme`: a count by band needs no facilitator, and leaving
    # out the join to staff and its grouping keeps this a third faster.
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
    length, b, trailing = _lag_terms(session, programme, on)

    def within(lag: Decimal):
        n, m = lag.as_integer_ratio()
        return trailing * m <= length * b * n

    return case(
        (_without_band(programme, b), None),
        (within(ON_TRACK_LAG), 0),
        (within(AT_RISK_LAG), 1),
        else_=2,
    )


def _lag_terms(session: Session, programme, on: date):
    """Return d, b and pb - ad: the lag is (pb - ad) / db, as `_band` says."""
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
    return length, b, passed * b - a * length


def _lag_key(session: Session, programme, on: date):
    """Return a programme's lag as floating point for ranking, -2 without a band.

    Equal lags give equal keys, each being the nearest float to the same
    fraction; `RANKING_MARGIN` covers lags too close for floats to tell apart.
    """
    length, b, trailing = _lag_terms(session, programme, on)
    return case(
        (_without_band(programme, b), -2.0),
        else_=cast(trailing, Float) / cast(length * b, Float),
    )


def _without_band(programme, b):
    """Return the condition that a programme has no band: no dates, or nothing to
    measure its share done by."""
    return (
        programme.start.is_(None)
        | programme.end.is_(None)
        | (programme.end <= programme.start)
        | (b == 0)
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

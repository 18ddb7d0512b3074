"""Matching throughput: the introduction funnel, its pace, and the pool in use.

Everything here counts; nothing names a mentor or a client. Reasons typed by
staff are shown only where several matches share the same words, so that a
reason given once, which might name someone, never reaches a dashboard.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import Date, Integer, cast, extract, func, select, true
from sqlalchemy.orm import Session

from plp.enums import MATCH_STATES_DISCLOSED, AgreementStatus, MatchState
from plp.models import Agreement, AuditEvent, Match, Mentor
from plp.queries.filters import PortfolioFilter, programme_ids
from plp.services.audit import IMPORTED
from plp.values import language_name

# The stages of the funnel in order; a match that reached one reached those
# before it.
FUNNEL = (
    MatchState.SHORTLISTED,
    MatchState.PROPOSED,
    MatchState.DISCLOSED,
    MatchState.INTERVIEW,
    MatchState.INVITED,
    MatchState.ACCEPTED,
    MatchState.AGREED,
)

ENDED = (MatchState.DECLINED, MatchState.WITHDRAWN, MatchState.EXPIRED)

# Stages after disclosure that only the audit trail remembers for a match
# that has since ended.
_AUDITED_STAGES = (MatchState.INTERVIEW, MatchState.INVITED, MatchState.ACCEPTED)

# The fewest matches that must share a reason before it is shown as written.
MIN_MATCHES_PER_REASON = 3
OTHER_REASONS = "other reasons"

# The spans timed between stages.
SPANS = ("shortlisted to proposed", "proposed to disclosed", "disclosed to agreed")

# The moments an import may stamp, and the states a match imported in gets
# them for; None stands for a match the import created, whatever its state.
_IMPORT_STAMPED = {
    "created_at": None,
    "proposed_at": (MatchState.PROPOSED, *MATCH_STATES_DISCLOSED),
    "disclosed_at": MATCH_STATES_DISCLOSED,
}

# Months of the pace chart, as stored moments that mark each event.
EVENTS = ("proposed", "disclosed", "agreed")


@dataclass(frozen=True)
class FunnelStage:
    """How many matches reached a stage, and what share of the stage before did."""

    stage: MatchState
    reached: int
    conversion: float | None


@dataclass(frozen=True)
class SpanDays:
    """How many days one span of the introduction takes: median and 90th percentile."""

    span: str
    matches: int
    median: int | None
    p90: int | None


@dataclass(frozen=True)
class PoolUse:
    """A part of the mentor pool: its places and how many are taken."""

    group: str
    mentors: int
    places: int
    in_use: int


def funnel(session: Session, portfolio: PortfolioFilter) -> list[FunnelStage]:
    """Return how many matches begun in the period reached each stage."""
    begun = _begun(portfolio)
    proposed = Match.proposed_at.is_not(None)
    disclosed = Match.disclosed_at.is_not(None)
    query = (
        select(Match.state, proposed, disclosed, func.count())
        .where(*begun)
        .group_by(Match.state, proposed, disclosed)
    )
    furthest = Counter()
    for state, was_proposed, was_disclosed, count in session.execute(query).tuples():
        furthest[_furthest(state, was_proposed, was_disclosed)] += count

    # An ended match that had been disclosed may have gone further first.
    for stage, count in _stages_before_ending(session, begun).items():
        furthest[FUNNEL.index(MatchState.DISCLOSED)] -= count
        furthest[FUNNEL.index(stage)] += count

    reached = [sum(furthest[i] for i in range(n, len(FUNNEL))) for n in range(7)]
    return [
        FunnelStage(stage, count, _share(count, reached[n - 1]) if n else None)
        for n, (stage, count) in enumerate(zip(FUNNEL, reached, strict=True))
    ]


def _begun(portfolio: PortfolioFilter) -> list:
    """Return the conditions that a match began in the period in a covered programme.

    Put straight on the matches a question reads rather than as a list of
    their ids: SQLite would build and search that list for every question.
    """
    return [
        Match.programme_id.in_(programme_ids(portfolio)),
        *_moment_in_period(Match.created_at, portfolio),
    ]


def _furthest(state: MatchState, proposed: bool, disclosed: bool) -> int:
    if state in FUNNEL:
        return FUNNEL.index(state)
    if disclosed:
        return FUNNEL.index(MatchState.DISCLOSED)
    return FUNNEL.index(MatchState.PROPOSED) if proposed else 0


def _stages_before_ending(session: Session, begun: list) -> Counter:
    """Count ended, disclosed matches by the furthest stage the audit trail shows."""
    ended_after_disclosure = select(Match.id).where(
        *begun, Match.state.in_(ENDED), Match.disclosed_at.is_not(None)
    )
    query = select(AuditEvent.entity_id, AuditEvent.to_state).where(
        AuditEvent.entity_type == Match.__name__,
        AuditEvent.to_state.in_([str(stage) for stage in _AUDITED_STAGES]),
        AuditEvent.entity_id.in_(ended_after_disclosure),
    )
    highest: dict[int, int] = {}
    for match_id, state in session.execute(query).tuples():
        index = FUNNEL.index(MatchState(state))
        highest[match_id] = max(index, highest.get(match_id, 0))
    return Counter(FUNNEL[index] for index in highest.values())


def _share(part: int, whole: int) -> float | None:
    # A ratio for display only; no money is involved.
    return part / whole if whole else None


def monthly_events(
    session: Session, portfolio: PortfolioFilter
) -> list[tuple[str, str, int]]:
    """Return (YYYY-MM, event, count) for proposals, disclosures and agreements."""
    covered = programme_ids(portfolio)
    moments = {
        "proposed": (Match.proposed_at, Match.programme_id, Match),
        "disclosed": (Match.disclosed_at, Match.programme_id, Match),
        "agreed": (Agreement.finalised_at, Agreement.programme_id, Agreement),
    }
    rows = []
    for event, (moment, programme_id, model) in moments.items():
        month = _month_of(session, moment)
        query = (
            select(month, func.count())
            .select_from(model)
            .where(programme_id.in_(covered), moment.is_not(None))
            .where(*_moment_in_period(moment, portfolio))
            .group_by(month)
        )
        if model is Match:
            query = query.where(_witnessed(moment))
        rows += [(month, event, count) for month, count in session.execute(query)]
    return sorted(rows)


def span_days(session: Session, portfolio: PortfolioFilter) -> list[SpanDays]:
    """Return the median and 90th-percentile days of each span of an introduction."""
    begun = _begun(portfolio)
    spans = {
        SPANS[0]: (Match.created_at, Match.proposed_at, None),
        SPANS[1]: (Match.proposed_at, Match.disclosed_at, None),
        SPANS[2]: (Match.disclosed_at, Agreement.finalised_at, Agreement),
    }
    result = []
    for span, (start, end, joined) in spans.items():
        days = _days_between(session, start, end)
        query = select(days, func.count()).select_from(Match)
        if joined is not None:
            query = query.join(joined, joined.match_id == Match.id)
        query = query.where(*begun, start.is_not(None), end.is_not(None))
        query = query.where(_witnessed(start), _witnessed(end))
        histogram = sorted(session.execute(query.group_by(days)).tuples())
        result.append(_percentiles(span, histogram))
    return result


def _witnessed(moment):
    """Return the condition that a match's moment is when it happened.

    An import stamps the stages an introduction had reached with the moment
    of the import; such a moment says nothing of the introduction's pace.
    """
    if moment.class_ is not Match or moment.key not in _IMPORT_STAMPED:
        return true()
    stamped = _IMPORT_STAMPED[moment.key]
    imported = select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == Match.__name__, AuditEvent.action == IMPORTED
    )
    if stamped is None:
        imported = imported.where(AuditEvent.from_state.is_(None))
    else:
        imported = imported.where(
            AuditEvent.to_state.in_([str(state) for state in stamped])
        )
    return Match.id.not_in(imported)


def _percentiles(span: str, histogram: list[tuple[int, int]]) -> SpanDays:
    """Read the median and 90th percentile off a histogram of whole days."""
    total = sum(count for _, count in histogram)
    if not total:
        return SpanDays(span, 0, None, None)

    def at(share: float) -> int:
        # The smallest number of days that at least this share of matches took.
        needed, seen = share * total, 0
        for days, count in histogram:
            seen += count
            if seen >= needed:
                return int(days)
        return int(histogram[-1][0])

    return SpanDays(span, total, at(0.5), at(0.9))


def end_reasons(
    session: Session, portfolio: PortfolioFilter
) -> list[tuple[str, str, int]]:
    """Return (how it ended, reason, matches) for matches ended in the period.

    A reason shared by fewer than MIN_MATCHES_PER_REASON matches is counted
    under OTHER_REASONS instead of being shown.
    """
    query = (
        select(Match.state, Match.end_reason, func.count())
        .where(Match.programme_id.in_(programme_ids(portfolio)))
        .where(Match.state.in_(ENDED))
        .where(*_moment_in_period(Match.state_changed_at, portfolio))
        .group_by(Match.state, Match.end_reason)
    )
    counted: dict[tuple[str, str], int] = defaultdict(int)
    for state, reason, count in session.execute(query).tuples():
        text = (reason or "").strip()
        shown = text if text and count >= MIN_MATCHES_PER_REASON else OTHER_REASONS
        counted[(str(state), shown)] += count
    return sorted(
        ((state, reason, count) for (state, reason), count in counted.items()),
        key=lambda row: (-row[2], row[0], row[1]),
    )


def pool_use_by_region(session: Session) -> list[PoolUse]:
    """Return the pool's places and those in use, region by region."""
    in_use = _agreements_running().subquery()
    region = func.coalesce(Mentor.region, "no region given")
    query = (
        select(
            region,
            func.count(Mentor.id),
            func.coalesce(func.sum(Mentor.capacity), 0),
            func.coalesce(func.sum(in_use.c.running), 0),
        )
        .outerjoin(in_use, in_use.c.mentor_id == Mentor.id)
        .where(Mentor.do_not_approach.is_(False))
        .group_by(region)
        .order_by(region)
    )
    return [PoolUse(*row) for row in session.execute(query).tuples()]


def pool_use_by_language(session: Session) -> list[PoolUse]:
    """Return the pool's places and those in use, language by language.

    A mentor who speaks three languages counts in each of them.
    """
    in_use = _agreements_running().subquery()
    query = (
        select(
            Mentor.languages,
            func.count(Mentor.id),
            func.coalesce(func.sum(Mentor.capacity), 0),
            func.coalesce(func.sum(in_use.c.running), 0),
        )
        .outerjoin(in_use, in_use.c.mentor_id == Mentor.id)
        .where(Mentor.do_not_approach.is_(False))
        .group_by(Mentor.languages)
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for languages, mentors, places, running in session.execute(query).tuples():
        for language in _languages(languages):
            for n, value in enumerate((mentors, places, running)):
                totals[language][n] += value
    return [PoolUse(language, *totals[language]) for language in sorted(totals)]


def _languages(text: str | None) -> list[str]:
    names = {_language(part.strip()) for part in (text or "").split(",")}
    return sorted(name for name in names if name) or ["no language given"]


def _language(code: str) -> str:
    # Languages are stored as ISO 639 codes; older text is shown as written.
    name = language_name(code)
    return name.capitalize() if name == code else name


def _agreements_running():
    return (
        select(Agreement.mentor_id, func.count().label("running"))
        .where(Agreement.status == AgreementStatus.ACTIVE)
        .group_by(Agreement.mentor_id)
    )


def _moment_in_period(column, portfolio: PortfolioFilter) -> list:
    """Return conditions that a stored moment falls on a day within the period."""
    day = func.date(column, type_=Date)
    conditions = []
    if portfolio.period_start:
        conditions.append(day >= portfolio.period_start)
    if portfolio.period_end:
        conditions.append(day <= portfolio.period_end)
    return conditions


def _month_of(session: Session, moment):
    """Return a portable SQL expression for a stored moment's month, in UTC.

    PostgreSQL connections work in UTC (plp.db), as SQLite's stored text is.
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(moment, "YYYY-MM")
    return func.strftime("%Y-%m", moment)


def _days_between(session: Session, start, end):
    """Return a portable SQL expression for the whole days between two moments."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", end - start) / 86400), Integer)
    # Durations are never negative, so cutting off the fraction is the floor.
    return cast(func.julianday(end) - func.julianday(start), Integer)

"""Progress against agendas: share done against share of time, in bands."""

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import object_session

from plp.enums import ActivityType, ItemStatus, ProgressRating
from plp.models import AgendaItem, ProgressUpdate
from plp.queries.filters import PortfolioFilter
from plp.queries.progress import (
    ProgrammeProgress,
    ProgressSummary,
    agenda_timeline,
    lag,
    programmes_by_band,
    progress_by_programme,
    progress_summary,
    summarise,
    time_share,
)
from tests.unit.factories import make_agenda, make_programme, make_user

EVERYTHING = PortfolioFilter()
ON = date(2026, 7, 1)


def _item(agenda, cost, status=ItemStatus.PLANNED, percent=0, **fields):
    item = AgendaItem(
        title="Meet the press officer",
        activity_type=ActivityType.MENTORING,
        cost=Decimal(cost),
        status=status,
        percent_done=percent,
        **fields,
    )
    object_session(agenda).add(item)
    item.agenda = agenda
    return item


def _programme_half_way(session, **fields):
    """A programme running through 2026, half-way through on 1 July."""
    return make_programme(
        session,
        start_date=date(2026, 1, 1),
        target_end_date=date(2026, 12, 31),
        **fields,
    )


def test_share_done_is_measured_by_cost_and_by_count(session):
    facilitator = make_user(session, name="Ana Facilitator")
    programme = _programme_half_way(session, facilitator=facilitator)
    agenda = make_agenda(session, programme)
    _item(agenda, "300.00", ItemStatus.DONE, 100)
    _item(agenda, "100.00", ItemStatus.IN_PROGRESS, 50)
    _item(agenda, "600.00")
    _item(agenda, "999.00", ItemStatus.DROPPED)
    session.flush()

    [row] = progress_by_programme(session, EVERYTHING, ON)

    assert row.facilitator == "Ana Facilitator"
    assert (row.items, row.items_done) == (3, 1)
    assert row.cost == Decimal("1000.00")
    assert row.cost_done == Decimal("350.00")
    assert row.done_share_by_cost == Decimal("0.35")


def test_an_open_item_past_its_due_date_is_overdue(session):
    programme = _programme_half_way(session)
    agenda = make_agenda(session, programme)
    _item(agenda, "10.00", due_date=date(2026, 6, 30))
    _item(agenda, "10.00", ItemStatus.DONE, 100, due_date=date(2026, 6, 1))
    _item(agenda, "10.00", due_date=ON)
    session.flush()

    [row] = progress_by_programme(session, EVERYTHING, ON)

    assert row.overdue == 1


def test_the_time_share_is_clamped_to_the_programme_dates():
    start, end = date(2026, 1, 1), date(2026, 1, 11)

    assert time_share(start, end, date(2026, 1, 6)) == Decimal("0.5")
    assert time_share(start, end, date(2025, 12, 1)) == 0
    assert time_share(start, end, date(2027, 1, 1)) == 1
    assert time_share(None, end, date(2026, 1, 6)) is None


def _progress(done_share: str, time_passed: str) -> ProgrammeProgress:
    return ProgrammeProgress(
        reference="PLP-1",
        facilitator=None,
        items=1,
        items_done=0,
        cost=Decimal("100.00"),
        cost_done=Decimal(done_share) * 100,
        overdue=0,
        time_share=Decimal(time_passed),
    )


def test_bands_follow_how_far_progress_trails_time():
    assert _progress("0.40", "0.50").band == ProgressRating.ON_TRACK
    assert _progress("0.30", "0.50").band == ProgressRating.AT_RISK
    assert _progress("0.25", "0.50").band == ProgressRating.AT_RISK
    assert _progress("0.24", "0.50").band == ProgressRating.BEHIND
    assert _progress("0.90", "0.50").band == ProgressRating.ON_TRACK


def test_a_programme_without_dates_has_no_band(session):
    programme = make_programme(session)
    agenda = make_agenda(session, programme)
    _item(agenda, "10.00")
    session.flush()

    [row] = progress_by_programme(session, EVERYTHING, ON)

    assert row.time_share is None
    assert row.band is None


def test_the_timeline_labels_items_without_their_titles(session):
    programme = _programme_half_way(session)
    agenda = make_agenda(session, programme)
    item = _item(
        agenda,
        "80.00",
        ItemStatus.IN_PROGRESS,
        40,
        planned_start=date(2026, 2, 1),
        due_date=date(2026, 3, 1),
    )
    session.flush()
    for day, percent in ((5, 10), (20, 40)):
        session.add(
            ProgressUpdate(
                item=item,
                percent_done=percent,
                recorded_at=datetime(2026, 2, day, 9, tzinfo=UTC),
            )
        )
    session.flush()

    [row] = agenda_timeline(session, EVERYTHING, programme.reference, ON)

    assert row.label == "1. mentoring"
    assert "press officer" not in repr(row)
    assert (row.first_progress, row.last_progress) == (
        date(2026, 2, 5),
        date(2026, 2, 20),
    )
    assert row.overdue


def test_the_timeline_of_a_programme_outside_the_filter_is_empty(session):
    facilitator = make_user(session)
    programme = _programme_half_way(session)
    agenda = make_agenda(session, programme)
    _item(agenda, "10.00")
    session.flush()

    others_only = PortfolioFilter(facilitator_id=facilitator.id)

    assert agenda_timeline(session, others_only, programme.reference, ON) == []


def _ten_day_programme(session, done: str, by_cost: bool = True, **fields):
    """A programme of ten days, half of them passed on 6 January 2026.

    Its ten items are done up to `done` of the agenda, by cost, or by count
    when they cost nothing.
    """
    programme = make_programme(
        session,
        **{"start_date": date(2026, 1, 1), "target_end_date": date(2026, 1, 11)}
        | fields,
    )
    agenda = make_agenda(session, programme)
    share = Decimal(done)
    for _ in range(10):
        if by_cost:
            _item(agenda, "10.00", ItemStatus.IN_PROGRESS, int(share * 100))
        else:
            _item(agenda, "0.00", ItemStatus.DONE if share > 0 else ItemStatus.PLANNED)
            share -= Decimal("0.1")
    return programme


def test_the_bands_counted_for_the_overview_are_the_programmes_bands(session):
    half_way = date(2026, 1, 6)
    # Trailing time by exactly 10 and 25 points, and by a point more.
    for done in ("0.40", "0.39", "0.25", "0.24", "0.90"):
        _ten_day_programme(session, done)
    for done in ("0.40", "0.30", "0.20"):
        _ten_day_programme(session, done, by_cost=False)
    _ten_day_programme(session, "0.10", start_date=None)
    _ten_day_programme(session, "0.10", target_end_date=date(2026, 1, 1))
    make_agenda(session, make_programme(session), costs=["0.00"])
    dropped = make_agenda(session, _programme_half_way(session))
    _item(dropped, "10.00", ItemStatus.DROPPED)
    session.flush()

    counted = programmes_by_band(session, EVERYTHING, half_way)

    rows = progress_by_programme(session, EVERYTHING, half_way)
    assert counted == Counter(row.band for row in rows)
    assert counted == {
        ProgressRating.ON_TRACK: 3,
        ProgressRating.AT_RISK: 3,
        ProgressRating.BEHIND: 2,
        None: 4,
    }


def test_the_bands_follow_the_day_and_the_filter(session):
    facilitator = make_user(session)
    _ten_day_programme(session, "0.50", facilitator=facilitator)
    _ten_day_programme(session, "0.00")
    session.flush()
    theirs = PortfolioFilter(facilitator_id=facilitator.id)

    before = programmes_by_band(session, EVERYTHING, date(2025, 12, 1))
    after = programmes_by_band(session, EVERYTHING, date(2026, 2, 1))
    only_theirs = programmes_by_band(session, theirs, date(2026, 2, 1))

    assert before == {ProgressRating.ON_TRACK: 2}
    assert after == {ProgressRating.BEHIND: 2}
    assert only_theirs == {ProgressRating.BEHIND: 1}


def test_the_progress_page_reads_only_the_programmes_it_draws(session):
    half_way = date(2026, 1, 6)
    ana = make_user(session, name="Ana Facilitator")
    # Trailing time by 10, 11, 25 and 26 points, and ahead of it by 40.
    for done in ("0.40", "0.39", "0.25", "0.24", "0.90"):
        _ten_day_programme(session, done, facilitator=ana)
    for done in ("0.40", "0.30", "0.20"):
        _ten_day_programme(session, done, by_cost=False)
    _ten_day_programme(session, "0.10", start_date=None)
    late = make_agenda(session, _programme_half_way(session, facilitator=ana))
    for _ in range(3):
        _item(late, "10.00", due_date=date(2026, 1, 2))
    session.flush()

    summary = progress_summary(session, EVERYTHING, half_way, trailing=3, late=1)

    rows = progress_by_programme(session, EVERYTHING, half_way)
    assert summary == summarise(rows, trailing=3, late=1)
    # Those trailing time by 30, 26 and 25 points, most first.
    assert [lag(row) for row in summary.trailing] == [
        Decimal("0.3"),
        Decimal("0.26"),
        Decimal("0.25"),
    ]
    assert summary.bands == {
        ProgressRating.ON_TRACK: 4,
        ProgressRating.AT_RISK: 3,
        ProgressRating.BEHIND: 2,
        None: 1,
    }
    assert summary.by_facilitator["Ana Facilitator"] == {
        ProgressRating.ON_TRACK: 3,
        ProgressRating.AT_RISK: 2,
        ProgressRating.BEHIND: 1,
    }
    assert [row.overdue for row in summary.late] == [3]
    assert (summary.late_programmes, summary.late_items) == (1, 3)


def test_the_progress_page_reads_nothing_without_agendas(session):
    make_programme(session)
    session.flush()

    summary = progress_summary(session, EVERYTHING, ON, trailing=5, late=5)

    assert summary == ProgressSummary()
    assert summary.programmes == 0

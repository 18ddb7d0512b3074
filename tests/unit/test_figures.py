"""The dashboards' charts, drawn from plain rows without a server or a browser."""

from datetime import date, timedelta
from decimal import Decimal

import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboards import figures
from plp.enums import ItemStatus, MatchState, ProgrammeStatus, ProgressRating
from plp.queries.matching import FunnelStage, PoolUse, SpanDays
from plp.queries.money import ProgrammeMoney
from plp.queries.progress import ItemTimeline, ProgrammeProgress, summarise

RATES = {"EUR": Decimal(1), "GBP": Decimal("1.20")}
MOST_BYTES = 100 * 1024


def _summary(rows):
    """The programmes as the progress page reads them: the top ones and counts."""
    return summarise(rows, figures.TOP_N, figures.TOP_N)


def _progress(reference, done="0.50", passed="0.50", overdue=0, facilitator="Ana"):
    """A programme with ten items of 100.00, `done` of them by cost and count."""
    items_done = int(Decimal(done) * 10)
    return ProgrammeProgress(
        reference=reference,
        facilitator=facilitator,
        items=10,
        items_done=items_done,
        cost=Decimal("1000.00"),
        cost_done=Decimal(done) * 1000,
        overdue=overdue,
        time_share=Decimal(passed),
    )


def _money(reference, agreed="1000.00", spent="0.00", currency="EUR"):
    return ProgrammeMoney(
        reference=reference,
        currency=currency,
        agreed=Decimal(agreed),
        committed=Decimal("100.00"),
        spent=Decimal(spent),
        secured=Decimal("0.00"),
    )


def _item(number, start, due, first=None, last=None, status=ItemStatus.PLANNED):
    return ItemTimeline(
        label=f"{number}. mentoring",
        need_area="Public speaking",
        status=status,
        percent_done=40,
        cost=Decimal("100.00"),
        planned_start=start,
        due_date=due,
        first_progress=first,
        last_progress=last,
        overdue=False,
    )


def _read(figure: dict) -> go.Figure:
    """Read a chart as plotly does, which refuses any property it does not know."""
    return go.Figure(figure)


def _title(figure) -> str:
    return figure.layout.title.text


def _message(figure) -> str:
    [annotation] = figure.layout.annotations
    return annotation.text


def _trace(figure, name):
    [trace] = [trace for trace in figure.data if trace.name == name]
    return trace


def test_money_is_written_with_its_currency_and_separators():
    assert figures.money_text(Decimal("1234567.5"), "EUR") == "EUR 1,234,567.50"
    assert figures.money_text(None, "EUR") == "not agreed"


def test_the_stage_chart_counts_programmes_per_stage():
    by_stage = dict.fromkeys(ProgrammeStatus, 0) | {ProgrammeStatus.ACTIVE: 4}

    figure = _read(figures.stage_chart(by_stage))

    [bars] = figure.data
    assert _title(figure) == "Programmes by stage"
    assert dict(zip(bars.x, bars.y, strict=True))["active"] == 4


def test_a_small_count_ticks_one_by_one_and_a_large_one_at_whole_steps():
    few = dict.fromkeys(ProgrammeStatus, 0) | {ProgrammeStatus.ACTIVE: 2}
    many = dict.fromkeys(ProgrammeStatus, 0) | {ProgrammeStatus.ACTIVE: 4_000}

    small = _read(figures.stage_chart(few)).layout.yaxis
    large = _read(figures.stage_chart(many)).layout.yaxis

    assert (small.dtick, small.tickformat) == (1, ",d")
    assert (large.dtick, large.tickformat) == (None, ",d")


def test_the_stage_chart_says_when_no_programme_matches():
    figure = _read(figures.stage_chart(dict.fromkeys(ProgrammeStatus, 0)))

    assert figure.data == ()
    assert _message(figure) == "No programmes match these filters."


def test_the_band_chart_leaves_out_empty_bands():
    figure = _read(
        figures.band_chart({ProgressRating.ON_TRACK: 3, ProgressRating.BEHIND: 1})
    )

    [pie] = figure.data
    assert list(pie.labels) == ["on track", "behind"]
    assert list(pie.values) == [3, 1]


def test_progress_plots_share_done_against_time_passed():
    rows = [_progress("PLP-A", done="0.20", passed="0.60")]

    figure = _read(figures.progress_chart(_summary(rows)))

    assert list(_trace(figure, "done by cost").x) == [0.2]
    assert list(_trace(figure, "done by count").x) == [0.2]
    assert list(_trace(figure, "time passed").x) == [0.6]
    assert _trace(figure, "done by cost").marker.color == (
        figures.BAND_COLOURS[ProgressRating.BEHIND],
    )


def test_progress_shows_the_programmes_trailing_most_and_counts_the_others():
    rows = [_progress(f"PLP-{n:02}", done="0.50", passed="0.50") for n in range(20)]
    rows.append(_progress("PLP-LATE", done="0.10", passed="0.90"))

    figure = _read(figures.progress_chart(_summary(rows), top=5))

    references = list(_trace(figure, "done by cost").y)
    assert len(references) == 5
    # Drawn bottom to top, so the programme trailing most is the last bar.
    assert references[-1] == "PLP-LATE"
    assert "others: 16 on track" in _title(figure)


def test_overdue_items_are_ranked_and_the_rest_summed_as_others():
    rows = [_progress(f"PLP-{n}", overdue=n) for n in range(1, 6)]

    figure = _read(figures.overdue_chart(_summary(rows), top=3))

    [bars] = figure.data
    assert list(bars.y) == ["others (2 programmes)", "PLP-3", "PLP-4", "PLP-5"]
    assert list(bars.x) == [3, 3, 4, 5]
    assert "15 items in 5 programmes" in _title(figure)


def test_no_overdue_item_is_said_in_words():
    figure = _read(figures.overdue_chart(_summary([_progress("PLP-A")])))

    assert _message(figure) == "No agenda item is overdue."


def test_the_facilitator_chart_stacks_bands_per_facilitator():
    rows = [
        _progress("PLP-1", facilitator="Ana"),
        _progress("PLP-2", done="0.10", passed="0.90", facilitator="Ana"),
        _progress("PLP-3", facilitator="Ben"),
    ]

    figure = _read(figures.facilitator_chart(_summary(rows)))

    on_track = _trace(figure, "on track")
    behind = _trace(figure, "behind")
    assert dict(zip(on_track.y, on_track.x, strict=True)) == {"Ana": 1, "Ben": 1}
    assert dict(zip(behind.y, behind.x, strict=True)) == {"Ana": 1, "Ben": 0}


def test_the_timeline_draws_planned_and_recorded_spans():
    items = [
        _item(
            1, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 5), date(2026, 4, 2)
        ),
        _item(2, None, date(2026, 5, 1)),
    ]

    figure = _read(figures.timeline_chart("PLP-A", items, date(2026, 4, 15)))

    planned = _trace(figure, "planned")
    recorded = _trace(figure, "progress recorded")
    assert _title(figure) == "PLP-A: agenda planned against actual"
    assert list(planned.y) == ["1. mentoring", "2. mentoring"]
    assert list(planned.base) == ["2026-03-01", "2026-05-01"]
    assert planned.x[0] == 31 * 86_400_000
    assert list(recorded.y) == ["1. mentoring"]


def test_the_timeline_asks_for_a_programme_and_says_when_nothing_is_dated():
    today = date(2026, 4, 15)

    assert "Choose a programme" in _message(
        _read(figures.timeline_chart("", [], today))
    )
    undated = _read(figures.timeline_chart("PLP-A", [_item(1, None, None)], today))
    assert _message(undated) == "This programme's agenda has no dated items."


def test_money_per_programme_is_converted_and_a_missing_rate_left_out_by_name():
    rows = [
        _money("PLP-EUR", agreed="500.00", spent="50.00"),
        _money("PLP-GBP", agreed="1000.00", spent="100.00", currency="GBP"),
        _money("PLP-UAH", agreed="9000.00", currency="UAH"),
    ]

    figure = _read(figures.programme_money_chart(rows, RATES, "EUR"))

    agreed = _trace(figure, "agreed")
    assert dict(zip(agreed.y, agreed.x, strict=True)) == {
        "PLP-GBP": 1200.0,
        "PLP-EUR": 500.0,
    }
    assert "1 programmes in UAH left out: no exchange rate recorded" in _title(figure)
    assert "EUR 120.00" in _trace(figure, "spent").customdata


def test_money_per_programme_names_the_others_total_without_a_bar():
    rows = [_money(f"PLP-{n:02}", agreed=f"{100 + n}.00") for n in range(10)]

    figure = _read(figures.programme_money_chart(rows, RATES, "EUR", top=3))

    assert list(_trace(figure, "agreed").y) == ["PLP-07", "PLP-08", "PLP-09"]
    assert "others (7 programmes)" in _title(figure)
    assert "agreed EUR 721.00" in _title(figure)


def test_money_per_programme_with_only_missing_rates_says_so():
    figure = _read(
        figures.programme_money_chart([_money("PLP-X", currency="UAH")], RATES, "EUR")
    )

    assert "No exchange rate is recorded" in _message(figure)


def test_categories_sum_every_currency_in_the_reporting_currency():
    by_category = {
        ("EUR", "travel"): {
            "planned": Decimal("100.00"),
            "committed": Decimal("0.00"),
            "spent": Decimal("10.00"),
        },
        ("GBP", "travel"): {
            "planned": Decimal("100.00"),
            "committed": Decimal("0.00"),
            "spent": Decimal("0.00"),
        },
        ("UAH", "travel"): {
            "planned": Decimal("1.00"),
            "committed": Decimal("0.00"),
            "spent": Decimal("0.00"),
        },
    }

    figure = _read(figures.category_chart(by_category, RATES, "EUR"))

    assert list(_trace(figure, "planned").y) == [220.0]
    assert "money in UAH left out" in _title(figure)


def test_monthly_spending_adds_up_to_date_and_draws_the_budget():
    months = [
        ("2026-01", "EUR", Decimal("100.00")),
        ("2026-01", "GBP", Decimal("10.00")),
        ("2026-02", "EUR", Decimal("50.00")),
    ]

    figure = _read(
        figures.monthly_spending_chart(months, RATES, "EUR", Decimal("1000.00"))
    )

    assert list(_trace(figure, "spent in the month").y) == [112.0, 50.0]
    assert list(_trace(figure, "spent to date").y) == [112.0, 162.0]
    assert _trace(figure, "agreed budget EUR 1,000.00").showlegend is not False
    [line] = figure.layout.shapes
    assert (line.y0, line.y1, line.x0, line.x1) == (1000.0, 1000.0, 0, 1)


def test_the_budget_spans_the_chart_when_there_is_one_month():
    months = [("2026-01", "EUR", Decimal("100.00"))]

    figure = _read(
        figures.monthly_spending_chart(months, RATES, "EUR", Decimal("1000.00"))
    )

    [line] = figure.layout.shapes
    assert (line.xref, line.x0, line.x1, line.y0) == ("paper", 0, 1, 1000.0)


def test_a_period_without_spending_says_so():
    figure = _read(figures.monthly_spending_chart([], RATES, "EUR", None))

    assert _message(figure) == "Nothing was spent in this period."


def test_budgets_nearly_spent_show_the_share_and_say_how_many_there_are():
    rows = [_money("PLP-OVER", spent="1100.00"), _money("PLP-NEAR", spent="950.00")]

    figure = _read(figures.near_budget_chart(rows, 7, Decimal("0.90")))

    [bars] = figure.data
    assert list(bars.y) == ["PLP-NEAR", "PLP-OVER"]
    assert list(bars.x) == [0.95, 1.1]
    assert list(bars.text) == ["95%", "110%"]
    assert "2 of 7 shown" in _title(figure)


def test_the_funnel_shows_each_stage_with_its_conversion():
    stages = [
        FunnelStage(MatchState.SHORTLISTED, 10, None),
        FunnelStage(MatchState.PROPOSED, 5, 0.5),
    ]

    figure = _read(figures.funnel_chart(stages))

    [funnel] = figure.data
    assert list(funnel.y) == ["shortlisted", "proposed (50%)"]
    assert list(funnel.x) == [10, 5]


def test_an_empty_funnel_says_no_introductions_began():
    stages = [FunnelStage(MatchState.SHORTLISTED, 0, None)]

    assert "No introductions" in _message(_read(figures.funnel_chart(stages)))


def test_spans_plot_median_and_90th_percentile_days():
    spans = [
        SpanDays("shortlisted to proposed", 4, 3, 9),
        SpanDays("proposed to disclosed", 0, None, None),
    ]

    figure = _read(figures.span_chart(spans))

    assert list(_trace(figure, "median").y) == [3]
    assert list(_trace(figure, "90th percentile").y) == [9]
    assert list(_trace(figure, "median").x) == ["shortlisted to proposed (4 matches)"]


def test_monthly_events_fill_months_without_an_event_with_zero():
    rows = [("2026-01", "proposed", 3), ("2026-02", "agreed", 1)]

    figure = _read(figures.monthly_events_chart(rows))

    assert list(_trace(figure, "proposed").y) == [3, 0]
    assert list(_trace(figure, "agreed").y) == [0, 1]


def test_end_reasons_are_ranked_with_the_rest_as_others():
    rows = [
        ("declined", "no time", 5),
        ("expired", "other reasons", 2),
        ("withdrawn", "moved on", 3),
    ]

    figure = _read(figures.end_reasons_chart(rows, top=2))

    [bars] = figure.data
    assert list(bars.y) == [
        "others (1 reasons)",
        "withdrawn: moved on",
        "declined: no time",
    ]
    assert list(bars.x) == [2, 3, 5]


def test_pool_use_splits_places_into_in_use_and_free():
    rows = [PoolUse("Western Europe", 3, 5, 2), PoolUse("Andes", 1, 1, 1)]

    figure = _read(figures.pool_chart(rows, "region"))

    assert _title(figure) == "Mentor pool capacity in use by region"
    assert list(_trace(figure, "in use").x) == [1, 2]
    assert list(_trace(figure, "free").x) == [0, 3]


@pytest.mark.parametrize(
    "chart",
    [
        lambda rows: figures.progress_chart(_summary(rows)),
        lambda rows: figures.overdue_chart(_summary(rows)),
        lambda rows: figures.facilitator_chart(_summary(rows)),
        figures.funnel_chart,
        figures.span_chart,
        figures.monthly_events_chart,
        figures.end_reasons_chart,
        lambda rows: figures.pool_chart(rows, "region"),
        lambda rows: figures.programme_money_chart(rows, RATES, "EUR"),
        lambda rows: figures.category_chart({}, RATES, "EUR"),
        lambda rows: figures.monthly_spending_chart(rows, RATES, "EUR", None),
        lambda rows: figures.near_budget_chart(rows, 0, Decimal("0.9")),
    ],
)
def test_every_chart_says_when_there_is_nothing_to_show(chart):
    figure = _read(chart([]))

    assert figure.data == ()
    assert _message(figure)
    assert "NaN" not in figure.to_json()


def _many_rows():
    """Twenty thousand rows of every kind a chart takes."""
    n = 20_000
    start = date(2020, 1, 1)
    return {
        "progress": [
            _progress(
                f"PLP-{i:05}",
                done=f"0.{i % 10}",
                passed=f"0.{(i * 7) % 10}",
                overdue=i % 4,
                facilitator=f"Facilitator {i % 500}",
            )
            for i in range(n)
        ],
        "money": [
            _money(f"PLP-{i:05}", agreed=f"{1000 + i}.00", spent=f"{900 + i}.00")
            for i in range(n)
        ],
        "months": [
            (f"{2000 + i // 12 % 100}-{i % 12 + 1:02}", "EUR", Decimal("10.00"))
            for i in range(n)
        ],
        "items": [
            _item(i, start + timedelta(days=i), start + timedelta(days=i + 30))
            for i in range(n)
        ],
        "reasons": [("declined", f"reason {i}", 3 + i % 5) for i in range(n)],
        "pool": [PoolUse(f"Region {i}", 2, 3, 1) for i in range(n)],
        "events": [
            (f"{2000 + i // 36 % 100}-{i // 3 % 12 + 1:02}", "proposed", 1)
            for i in range(n)
        ],
    }


def test_charts_of_twenty_thousand_rows_stay_under_100_kib():
    rows = _many_rows()
    drawn = {
        "progress": figures.progress_chart(_summary(rows["progress"])),
        "overdue": figures.overdue_chart(_summary(rows["progress"])),
        "facilitators": figures.facilitator_chart(_summary(rows["progress"])),
        "money": figures.programme_money_chart(rows["money"], RATES, "EUR"),
        "near budget": figures.near_budget_chart(
            rows["money"][: figures.TOP_N], len(rows["money"]), Decimal("0.9")
        ),
        "months": figures.monthly_spending_chart(
            rows["months"], RATES, "EUR", Decimal("1.00")
        ),
        "timeline": figures.timeline_chart("PLP-A", rows["items"], date(2026, 1, 1)),
        "reasons": figures.end_reasons_chart(rows["reasons"]),
        "pool": figures.pool_chart(rows["pool"], "region"),
        "events": figures.monthly_events_chart(rows["events"]),
    }

    sizes = {
        name: len(to_json_plotly(figure).encode()) for name, figure in drawn.items()
    }

    assert all(size < MOST_BYTES for size in sizes.values()), sizes
    assert "others" in _title(_read(drawn["progress"]))
    assert "the first 60 of 20000 dated items" in _title(_read(drawn["timeline"]))
    assert len(_trace(_read(drawn["progress"]), "done by cost").y) == figures.TOP_N

"""Charts for the directors' dashboards: pure functions from plain rows to figures.

Every function takes rows as the `plp.queries` functions return them and
gives back a plotly figure as plain data, the JSON dcc.Graph draws; none
reads the database, the request or the clock, so tests call them without a
server or a browser. Plotly's figure objects check every property as it is
set, which costs more than the queries behind a chart; the tests read these
figures through those objects, so a property plotly would refuse fails there.
A chart shows what a person can read: the first TOP_N rows, then the rest
gathered as "others". With no rows a chart says so in words instead of
drawing empty axes.

Money stays Decimal through every sum and conversion; `_plotted` turns an
amount into a float only as it is handed to plotly, whose JSON has no
decimal type. Totals shown as text are formatted from the Decimal itself.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from plp.enums import ProgressRating
from plp.queries.matching import FunnelStage, PoolUse, SpanDays
from plp.queries.money import CENT, ZERO, ProgrammeMoney
from plp.queries.progress import ItemTimeline, ProgressSummary

TOP_N = 15
OTHERS = "others"

# The most agenda items a programme's timeline draws, and months a chart shows.
MOST_ITEMS = 60
MOST_MONTHS = 120

BAND_COLOURS = {
    ProgressRating.ON_TRACK: "#2e7d32",
    ProgressRating.AT_RISK: "#f0a202",
    ProgressRating.BEHIND: "#c62828",
    None: "#9e9e9e",
}
BAND_NAMES = {
    ProgressRating.ON_TRACK: "on track",
    ProgressRating.AT_RISK: "at risk",
    ProgressRating.BEHIND: "behind",
    None: "no dates or items",
}
MONEY_COLOURS = {
    "agreed": "#1f4e79",
    "planned": "#1f4e79",
    "committed": "#5b9bd5",
    "spent": "#ed7d31",
    "secured": "#70ad47",
}
EVENT_COLOURS = {"proposed": "#5b9bd5", "disclosed": "#1f4e79", "agreed": "#70ad47"}

# A plotly figure as the browser reads it: {"data": [traces], "layout": {...}}.
Figure = dict

# A small layout of our own: plotly's default template alone weighs about
# 10 KiB in every figure sent to the browser. The template is plotly's "none",
# written out as plotly sends it.
_LAYOUT = {
    "template": {"data": {"scatter": [{"type": "scatter"}]}},
    "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#212529"},
    "margin": {"l": 10, "r": 20, "t": 90, "b": 40},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "legend": {"x": 1.01, "xanchor": "left", "y": 1, "traceorder": "normal"},
    "xaxis": {"automargin": True},
    "yaxis": {"automargin": True},
    "separators": ".,",
}


def money_text(amount: Decimal | None, currency: str) -> str:
    """Write an amount with its currency and thousands separators, or say none."""
    if amount is None:
        return "not agreed"
    return f"{currency} {amount.quantize(CENT):,}"


def share_text(share: Decimal | float | None) -> str:
    """Write a share from 0 to 1 as a whole percentage, or "unknown"."""
    if share is None:
        return "unknown"
    return f"{round(Decimal(share) * 100)}%"


def in_reporting(amount: Decimal, rate: Decimal) -> Decimal:
    """Convert an amount with a rate, to the cent, as the portfolio totals do."""
    return (amount * rate).quantize(CENT)


def empty_figure(title: str, message: str) -> Figure:
    """Return a figure that says in words why there is nothing to draw."""
    figure = _figure(title)
    figure["layout"]["annotations"] = [
        {
            "text": message,
            "showarrow": False,
            "font": {"size": 15, "color": "#6c757d"},
            "xref": "paper",
            "yref": "paper",
            "x": 0.5,
            "y": 0.5,
        }
    ]
    _axis(figure, "x", visible=False)
    _axis(figure, "y", visible=False)
    return figure


# Overview


def stage_chart(by_stage: dict[str, int]) -> Figure:
    """Chart how many programmes are at each stage."""
    title = "Programmes by stage"
    if not sum(by_stage.values()):
        return empty_figure(title, "No programmes match these filters.")

    stages = [str(stage) for stage in by_stage]
    figure = _figure(title)
    _add(
        figure,
        "bar",
        x=stages,
        y=list(by_stage.values()),
        marker={"color": "#1f4e79"},
        text=_texts(by_stage.values()),
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    _count_axis(figure, "y", "programmes", rangemode="tozero")
    return figure


def band_chart(by_band: dict[ProgressRating | None, int]) -> Figure:
    """Chart how many programmes are on track, at risk or behind their agenda."""
    title = "Progress against agendas"
    if not sum(by_band.values()):
        return empty_figure(title, "No programme here has a learning agenda yet.")

    bands = [band for band in BAND_NAMES if by_band.get(band)]
    figure = _figure(title)
    _add(
        figure,
        "pie",
        labels=[BAND_NAMES[band] for band in bands],
        values=[by_band[band] for band in bands],
        marker={"colors": [BAND_COLOURS[band] for band in bands]},
        hole=0.5,
        sort=False,
        textinfo="label+value",
        hovertemplate="%{label}: %{value} programmes<extra></extra>",
    )
    return figure


# Progress against agendas


def progress_chart(summary: ProgressSummary, top: int = TOP_N) -> Figure:
    """Chart each programme's share done, by cost and count, against time passed.

    The programmes trailing time the most come first; the rest are counted
    by band in the title.
    """
    title = "Share of agenda done against share of time passed"
    if not summary.programmes:
        return empty_figure(title, "No programme here has a learning agenda yet.")

    shown = summary.trailing[:top]
    if summary.programmes > top:
        bands = Counter()
        for band, count in summary.bands.items():
            bands[BAND_NAMES[band]] += count
        bands.subtract(BAND_NAMES[row.band] for row in shown)
        bands = +bands
        counted = ", ".join(f"{count} {band}" for band, count in sorted(bands.items()))
        title += f"<br><sup>{len(shown)} trailing most shown; {OTHERS}: {counted}</sup>"
    references = [row.reference for row in reversed(shown)]
    ordered = list(reversed(shown))

    figure = _figure(title)
    _add(
        figure,
        "bar",
        name="done by cost",
        y=references,
        x=[_share(row.done_share_by_cost) for row in ordered],
        orientation="h",
        marker={"color": [BAND_COLOURS[row.band] for row in ordered]},
        hovertemplate="%{y}: %{x:.0%} of the cost done<extra></extra>",
    )
    _add(
        figure,
        "bar",
        name="done by count",
        y=references,
        x=[_share(row.done_share_by_count) for row in ordered],
        orientation="h",
        marker={"color": "#bdbdbd"},
        hovertemplate="%{y}: %{x:.0%} of the items done<extra></extra>",
    )
    _add(
        figure,
        "scatter",
        name="time passed",
        y=references,
        x=[_share(row.time_share) for row in ordered],
        mode="markers",
        marker={"symbol": "line-ns-open", "size": 18, "color": "#212529"},
        hovertemplate="%{y}: %{x:.0%} of the time passed<extra></extra>",
    )
    _layout(figure, barmode="group", height=_bar_height(len(shown)))
    _axis(figure, "x", tickformat=".0%", range=[0, 1.05])
    return figure


def facilitator_chart(summary: ProgressSummary, top: int = TOP_N) -> Figure:
    """Chart each facilitator's programmes by band, the busiest first."""
    title = "Programmes by facilitator and band"
    if not summary.programmes:
        return empty_figure(title, "No programme here has a learning agenda yet.")

    counts: dict[str, Counter] = defaultdict(Counter)
    for facilitator, bands in summary.by_facilitator.items():
        counts[facilitator or "no facilitator"].update(bands)
    names = sorted(counts, key=lambda name: (-counts[name].total(), name))
    shown, rest = names[:top], names[top:]
    if rest:
        counts[OTHERS] = sum((counts[name] for name in rest), Counter())
        shown.append(OTHERS)
        title += f"<br><sup>{len(rest)} more facilitators counted as {OTHERS}</sup>"

    figure = _figure(title)
    for band, name in BAND_NAMES.items():
        _add(
            figure,
            "bar",
            name=name,
            y=list(reversed(shown)),
            x=[counts[person][band] for person in reversed(shown)],
            orientation="h",
            marker={"color": BAND_COLOURS[band]},
            hovertemplate="%{y}: %{x} " + name + "<extra></extra>",
        )
    _layout(figure, barmode="stack", height=_bar_height(len(shown)))
    _count_axis(figure, "x", "programmes")
    return figure


def overdue_chart(summary: ProgressSummary, top: int = TOP_N) -> Figure:
    """Chart the programmes with the most overdue agenda items."""
    title = "Overdue agenda items"
    if not summary.late:
        return empty_figure(title, "No agenda item is overdue.")

    shown = summary.late[:top]
    labels = [row.reference for row in shown]
    values = [row.overdue for row in shown]
    if rest := summary.late_programmes - len(shown):
        labels.append(f"{OTHERS} ({rest} programmes)")
        values.append(summary.late_items - sum(values))
    title += (
        f"<br><sup>{summary.late_items} items in "
        f"{summary.late_programmes} programmes</sup>"
    )

    figure = _figure(title)
    _add(
        figure,
        "bar",
        y=list(reversed(labels)),
        x=list(reversed(values)),
        orientation="h",
        marker={"color": "#c62828"},
        text=_texts(reversed(values)),
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x} overdue<extra></extra>",
    )
    _layout(figure, height=_bar_height(len(labels)))
    _count_axis(figure, "x", "items past their due date")
    return figure


def timeline_chart(
    reference: str, items: Sequence[ItemTimeline], on: date, most: int = MOST_ITEMS
) -> Figure:
    """Chart one programme's agenda items, planned dates against recorded progress."""
    title = f"{reference}: agenda planned against actual"
    if not reference:
        return empty_figure("Agenda timeline", "Choose a programme to see its agenda.")
    dated = [item for item in items if item.due_date or item.planned_start]
    if not dated:
        return empty_figure(title, "This programme's agenda has no dated items.")

    shown = dated[:most]
    if len(dated) > most:
        title += f"<br><sup>the first {most} of {len(dated)} dated items</sup>"
    labels = [item.label for item in shown]

    figure = _figure(title)
    _add_spans(
        figure,
        "planned",
        labels,
        [(item.planned_start or item.due_date, item.due_date) for item in shown],
        ["#c62828" if item.overdue else "#9ecae1" for item in shown],
        [f"{item.status}, {item.percent_done}% done" for item in shown],
    )
    _add_spans(
        figure,
        "progress recorded",
        labels,
        [(item.first_progress, item.last_progress) for item in shown],
        ["#1f4e79"] * len(shown),
        [f"{item.percent_done}% done" for item in shown],
    )
    _add_vline(figure, on.isoformat(), "dot")
    _layout(figure, barmode="overlay", height=_bar_height(len(shown)))
    _axis(figure, "y", autorange="reversed")
    _axis(figure, "x", type="date")
    return figure


def _add_spans(figure, name, labels, spans, colours, notes):
    """Draw (start, end) day spans as horizontal bars; a single day gets one day."""
    starts, lengths, kept_labels, kept_colours, kept_notes = [], [], [], [], []
    for label, (start, end), colour, note in zip(
        labels, spans, colours, notes, strict=True
    ):
        if start is None:
            continue
        end = end or start
        starts.append(start.isoformat())
        # Plotly measures a date axis in milliseconds.
        lengths.append(((end - start) + timedelta(days=1)).days * 86_400_000)
        kept_labels.append(label)
        kept_colours.append(colour)
        kept_notes.append(f"{start:%d %b %Y} to {end:%d %b %Y}, {note}")
    _add(
        figure,
        "bar",
        name=name,
        y=kept_labels,
        x=lengths,
        base=starts,
        orientation="h",
        marker={"color": kept_colours},
        width=0.8 if name == "planned" else 0.35,
        customdata=kept_notes,
        hovertemplate="%{y}: %{customdata}<extra>" + name + "</extra>",
    )


# Spending against budgets


def programme_money_chart(
    rows: Sequence[ProgrammeMoney],
    rates: dict[str, Decimal],
    currency: str,
    top: int = TOP_N,
) -> Figure:
    """Chart money per programme in the reporting currency, largest agreed first.

    The rest are totalled as "others" in the subtitle; programmes in a
    currency without a rate are left out and counted there.
    """
    title = f"Agreed, committed and spent per programme ({currency})"
    converted = [
        (row.reference, _row_in(row, rates[row.currency]))
        for row in rows
        if row.currency in rates
    ]
    if missing := sorted({row.currency for row in rows} - set(rates)):
        left_out = len(rows) - len(converted)
        title += (
            f"<br><sup>{left_out} programmes in {', '.join(missing)} left out: "
            "no exchange rate recorded</sup>"
        )
    if not converted:
        return empty_figure(title, _nothing_converted(missing))

    converted.sort(key=lambda pair: (-pair[1]["agreed"], pair[0]))
    shown, rest = converted[:top], converted[top:]
    if rest:
        title += _others_note(len(shown), rest, currency)

    figure = _figure(title)
    labels = [label for label, _ in reversed(shown)]
    for kind in ("agreed", "committed", "spent"):
        amounts = [amounts[kind] for _, amounts in reversed(shown)]
        _add(
            figure,
            "bar",
            name=kind,
            y=labels,
            x=[_plotted(amount) for amount in amounts],
            orientation="h",
            marker={"color": MONEY_COLOURS[kind]},
            customdata=[money_text(amount, currency) for amount in amounts],
            hovertemplate="%{y}: %{customdata} " + kind + "<extra></extra>",
        )
    _layout(figure, barmode="group", height=_bar_height(3 * len(shown) // 2))
    _axis(figure, "x", title={"text": currency}, tickformat=",.0f")
    return figure


def _nothing_converted(missing: list[str]) -> str:
    if missing:
        return "No exchange rate is recorded for these programmes' currencies."
    return "No programmes match these filters."


def _others_note(shown: int, rest, currency: str) -> str:
    """Write the programmes beyond the top as totals; drawn, they would dwarf all."""
    sums = {
        kind: sum((money[kind] for _, money in rest), ZERO)
        for kind in ("agreed", "committed", "spent")
    }
    written = ", ".join(
        f"{kind} {money_text(amount, currency)}" for kind, amount in sums.items()
    )
    return (
        f"<br><sup>{shown} largest shown; {OTHERS} ({len(rest)} programmes):</sup>"
        f"<br><sup>{written}</sup>"
    )


def _row_in(row: ProgrammeMoney, rate: Decimal) -> dict[str, Decimal]:
    return {
        "agreed": in_reporting(row.agreed or ZERO, rate),
        "committed": in_reporting(row.committed, rate),
        "spent": in_reporting(row.spent, rate),
    }


def category_chart(
    by_category: dict[tuple[str, str], dict[str, Decimal]],
    rates: dict[str, Decimal],
    currency: str,
) -> Figure:
    """Chart planned, committed and spent money per budget category."""
    title = f"Planned, committed and spent by category ({currency})"
    totals: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"planned": ZERO, "committed": ZERO, "spent": ZERO}
    )
    missing = set()
    for (money_currency, category), amounts in by_category.items():
        if money_currency not in rates:
            missing.add(money_currency)
            continue
        for kind, amount in amounts.items():
            totals[category][kind] += in_reporting(amount, rates[money_currency])
    if missing:
        title += (
            f"<br><sup>money in {', '.join(sorted(missing))} left out: "
            "no exchange rate recorded</sup>"
        )
    if not totals:
        return empty_figure(title, "No budget lines or spending match these filters.")

    categories = sorted(totals, key=lambda name: (-totals[name]["planned"], name))
    figure = _figure(title)
    for kind in ("planned", "committed", "spent"):
        amounts = [totals[category][kind] for category in categories]
        _add(
            figure,
            "bar",
            name=kind,
            x=categories,
            y=[_plotted(amount) for amount in amounts],
            marker={"color": MONEY_COLOURS[kind]},
            customdata=[money_text(amount, currency) for amount in amounts],
            hovertemplate="%{x}: %{customdata} " + kind + "<extra></extra>",
        )
    _layout(figure, barmode="group")
    _axis(figure, "y", title={"text": currency}, tickformat=",.0f")
    return figure


def monthly_spending_chart(
    months: Iterable[tuple[str, str, Decimal]],
    rates: dict[str, Decimal],
    currency: str,
    budget: Decimal | None,
    most: int = MOST_MONTHS,
) -> Figure:
    """Chart spending month by month, its running total and the agreed budget."""
    title = f"Spending by month against the agreed budget ({currency})"
    spent, missing = _spent_by_month(months, rates)
    if missing:
        title += (
            f"<br><sup>spending in {', '.join(sorted(missing))} left out: "
            "no exchange rate recorded</sup>"
        )
    if not spent:
        return empty_figure(title, "Nothing was spent in this period.")

    ordered = sorted(spent)
    running, total = [], ZERO
    for month in ordered:
        total += spent[month]
        running.append(total)
    if len(ordered) > most:
        title += f"<br><sup>the latest {most} of {len(ordered)} months</sup>"
        ordered, running = ordered[-most:], running[-most:]

    figure = _figure(title)
    _add(
        figure,
        "bar",
        name="spent in the month",
        x=ordered,
        y=[_plotted(spent[month]) for month in ordered],
        marker={"color": MONEY_COLOURS["spent"]},
        customdata=[money_text(spent[month], currency) for month in ordered],
        hovertemplate="%{x}: %{customdata}<extra></extra>",
    )
    _add(
        figure,
        "scatter",
        name="spent to date",
        x=ordered,
        y=[_plotted(amount) for amount in running],
        mode="lines+markers",
        line={"color": "#7f3f00"},
        customdata=[money_text(amount, currency) for amount in running],
        hovertemplate="%{x}: %{customdata} to date<extra></extra>",
    )
    if budget is not None:
        _add_budget_line(figure, budget, currency, ordered)
    _axis(figure, "x", type="category")
    _axis(figure, "y", title={"text": currency}, tickformat=",.0f", rangemode="tozero")
    return figure


def _add_budget_line(figure, budget: Decimal, currency: str, months: list[str]):
    """Draw the agreed budget across the whole chart as a dashed line.

    A line between the first and the last month would have no length when
    there is only one month; a shape spans the plot however many there are,
    and an empty trace of the same look names it in the legend.
    """
    line = {"color": MONEY_COLOURS["agreed"], "dash": "dash"}
    _add_shape(
        figure,
        type="line",
        xref="paper",
        x0=0,
        x1=1,
        y0=_plotted(budget),
        y1=_plotted(budget),
        line=line,
    )
    _add(
        figure,
        "scatter",
        name=f"agreed budget {money_text(budget, currency)}",
        x=[months[0]],
        y=[None],
        mode="lines",
        line=line,
        hoverinfo="skip",
    )


def _spent_by_month(months, rates) -> tuple[dict[str, Decimal], set[str]]:
    """Sum each month's spending in the reporting currency; say which had no rate."""
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    missing = set()
    for month, money_currency, amount in months:
        if money_currency not in rates:
            missing.add(money_currency)
            continue
        spent[month] += in_reporting(amount, rates[money_currency])
    return spent, missing


def near_budget_chart(
    rows: Sequence[ProgrammeMoney], total: int, near: Decimal
) -> Figure:
    """Chart the programmes that have spent the most of their agreed total."""
    title = f"Programmes over or within {share_text(1 - near)} of their budget"
    if not rows:
        return empty_figure(title, "No programme is over or near its budget.")
    if total > len(rows):
        title += f"<br><sup>{len(rows)} of {total} shown, the most spent first</sup>"

    ordered = list(reversed(rows))
    figure = _figure(title)
    _add(
        figure,
        "bar",
        y=[row.reference for row in ordered],
        x=[_plotted(row.spent_share) for row in ordered],
        orientation="h",
        marker={
            "color": [
                "#c62828" if row.spent > row.agreed else "#f0a202" for row in ordered
            ]
        },
        text=[share_text(row.spent_share) for row in ordered],
        textposition="outside",
        cliponaxis=False,
        customdata=[
            f"{money_text(row.spent, row.currency)} of "
            f"{money_text(row.agreed, row.currency)}"
            for row in ordered
        ],
        hovertemplate="%{y}: %{customdata}<extra></extra>",
    )
    _add_vline(figure, 1, "dash")
    _layout(figure, height=_bar_height(len(rows)))
    _axis(
        figure, "x", tickformat=".0%", title={"text": "share of the agreed total spent"}
    )
    return figure


# Matching throughput


def funnel_chart(stages: Sequence[FunnelStage]) -> Figure:
    """Chart the introduction funnel with each stage's conversion from the last."""
    title = "Introductions, stage by stage"
    if not stages or not stages[0].reached:
        return empty_figure(title, "No introductions began in this period.")

    labels = [
        str(stage.stage)
        if stage.conversion is None
        else f"{stage.stage} ({share_text(stage.conversion)})"
        for stage in stages
    ]
    figure = _figure(title)
    _add(
        figure,
        "funnel",
        y=labels,
        x=[stage.reached for stage in stages],
        textinfo="value",
        marker={"color": "#1f4e79"},
        hovertemplate="%{y}: %{x} matches<extra></extra>",
    )
    return figure


def monthly_events_chart(rows: Sequence[tuple[str, str, int]]) -> Figure:
    """Chart proposals, disclosures and agreements month by month."""
    title = "Proposals, disclosures and agreements per month"
    if not rows:
        return empty_figure(title, "No proposals, disclosures or agreements here.")

    months = sorted({month for month, _, _ in rows})[-MOST_MONTHS:]
    counts = {(month, event): count for month, event, count in rows}
    figure = _figure(title)
    for event, colour in EVENT_COLOURS.items():
        _add(
            figure,
            "bar",
            name=event,
            x=months,
            y=[counts.get((month, event), 0) for month in months],
            marker={"color": colour},
            hovertemplate="%{x}: %{y} " + event + "<extra></extra>",
        )
    _layout(figure, barmode="group")
    _axis(figure, "x", type="category")
    _count_axis(figure, "y", "matches", rangemode="tozero")
    return figure


def span_chart(spans: Sequence[SpanDays]) -> Figure:
    """Chart the median and 90th-percentile days each span of an introduction takes."""
    title = "Days each step takes"
    timed = [span for span in spans if span.matches]
    if not timed:
        return empty_figure(title, "No introduction has gone a step further yet.")

    labels = [f"{span.span} ({span.matches} matches)" for span in timed]
    figure = _figure(title)
    for name, values, colour in (
        ("median", [span.median for span in timed], "#1f4e79"),
        ("90th percentile", [span.p90 for span in timed], "#9ecae1"),
    ):
        _add(
            figure,
            "bar",
            name=name,
            x=labels,
            y=values,
            marker={"color": colour},
            text=_texts(values),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y} days<extra>" + name + "</extra>",
        )
    _layout(figure, barmode="group")
    _count_axis(figure, "y", "days", rangemode="tozero")
    return figure


def end_reasons_chart(rows: Sequence[tuple[str, str, int]], top: int = TOP_N) -> Figure:
    """Chart why introductions ended: declines, withdrawals and expiries by reason."""
    title = "Why introductions ended"
    if not rows:
        return empty_figure(title, "No introduction ended in this period.")

    ranked = sorted(rows, key=lambda row: (-row[2], row[0], row[1]))
    shown, rest = ranked[:top], ranked[top:]
    labels = [f"{state}: {reason}" for state, reason, _ in shown]
    values = [count for _, _, count in shown]
    if rest:
        labels.append(f"{OTHERS} ({len(rest)} reasons)")
        values.append(sum(count for _, _, count in rest))

    figure = _figure(title)
    _add(
        figure,
        "bar",
        y=list(reversed(labels)),
        x=list(reversed(values)),
        orientation="h",
        marker={"color": "#7f7f7f"},
        text=_texts(reversed(values)),
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x} matches<extra></extra>",
    )
    _layout(figure, height=_bar_height(len(labels)))
    _count_axis(figure, "x", "matches")
    return figure


def pool_chart(rows: Sequence[PoolUse], by: str, top: int = TOP_N) -> Figure:
    """Chart the mentor pool's places in use and free, by region or language."""
    title = f"Mentor pool capacity in use by {by}"
    if not rows:
        return empty_figure(title, "The mentor pool is empty.")

    ranked = sorted(rows, key=lambda row: (-row.places, row.group))
    shown = [(row.group, row.places, row.in_use) for row in ranked[:top]]
    rest = ranked[top:]
    if rest:
        shown.append(
            (
                f"{OTHERS} ({len(rest)})",
                sum(row.places for row in rest),
                sum(row.in_use for row in rest),
            )
        )
    labels = [group for group, _, _ in reversed(shown)]
    in_use = [min(used, places) for _, places, used in reversed(shown)]
    free = [max(places - used, 0) for _, places, used in reversed(shown)]

    figure = _figure(title)
    _add(
        figure,
        "bar",
        name="in use",
        y=labels,
        x=in_use,
        orientation="h",
        marker={"color": "#1f4e79"},
        hovertemplate="%{y}: %{x} places in use<extra></extra>",
    )
    _add(
        figure,
        "bar",
        name="free",
        y=labels,
        x=free,
        orientation="h",
        marker={"color": "#c6dbef"},
        hovertemplate="%{y}: %{x} places free<extra></extra>",
    )
    _layout(figure, barmode="stack", height=_bar_height(len(shown)))
    _count_axis(figure, "x", "places")
    return figure


# Shared


def _figure(title: str) -> Figure:
    layout = {key: _copied(value) for key, value in _LAYOUT.items()}
    return {"data": [], "layout": {"title": {"text": title, "x": 0.01}, **layout}}


def _copied(value):
    # Each figure changes its own axes; the shared layout stays as written.
    return dict(value) if isinstance(value, dict) else value


def _add(figure: Figure, kind: str, **properties) -> None:
    """Add a trace of a kind plotly draws ("bar", "scatter", "pie", "funnel")."""
    figure["data"].append({"type": kind, **properties})


def _layout(figure: Figure, **settings) -> None:
    figure["layout"].update(settings)


def _axis(figure: Figure, axis: str, **settings) -> None:
    """Set properties of the x or y axis."""
    figure["layout"].setdefault(f"{axis}axis", {}).update(settings)


def _add_shape(figure: Figure, **properties) -> None:
    figure["layout"].setdefault("shapes", []).append(properties)


def _add_vline(figure: Figure, x, dash: str) -> None:
    """Draw a vertical line at x across the whole height of the plot."""
    _add_shape(
        figure,
        type="line",
        x0=x,
        x1=x,
        xref="x",
        y0=0,
        y1=1,
        yref="y domain",
        line={"dash": dash, "color": "#212529"},
    )


def _texts(values: Iterable) -> list[str]:
    # Plotly writes numbers shown as text as strings.
    return [str(value) for value in values]


def _bar_height(bars: int) -> int:
    return max(320, 120 + 28 * bars)


def _share(share: Decimal | None) -> float | None:
    return None if share is None else _plotted(share)


def _plotted(amount: Decimal) -> float:
    """Hand a Decimal to plotly, whose JSON has no decimal type; nothing is summed
    after this point."""
    return float(amount)


def _count_axis(figure: Figure, axis: str, title: str, **settings) -> None:
    """Title an axis that counts things, ticking at whole numbers only.

    Plotly steps a small range by halves ("1.5 programmes"); up to ten, the
    ticks go one by one, and above that Plotly's own round steps are whole.
    """
    largest = sum(
        max(
            (value for value in trace.get(axis) or () if _is_number(value)),
            default=0,
        )
        for trace in figure["data"]
    )
    if largest <= 10:
        settings["dtick"] = 1
    _axis(figure, axis, title={"text": title}, tickformat=",d", **settings)


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)

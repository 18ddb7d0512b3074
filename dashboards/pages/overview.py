"""Overview: the portfolio at a glance, each tile leading to its own page."""

from dash import Output, dcc, html

from dashboards import figures, ids
from dashboards.access import MATCHING, OVERVIEW, PROGRESS, SPENDING, for_page
from dashboards.context import (
    cached_queries,
    read_filter,
    reporting_currency,
    today,
)
from dashboards.filters import FilterValues
from dashboards.layout import FILTER_INPUTS, page_url
from plp.enums import ProgressRating
from plp.queries.money import Converted
from plp.queries.overview import overview


def layout(values: FilterValues):
    """Return the overview page's components, drawn by its callback."""
    return [
        html.H1("Overview"),
        dcc.Loading(html.Div(id=ids.OVERVIEW_TILES, className="tiles")),
        html.Div(
            [
                dcc.Graph(id=ids.OVERVIEW_STAGES, className="chart"),
                dcc.Graph(id=ids.OVERVIEW_BANDS, className="chart"),
            ],
            className="charts",
        ),
    ]


def register(app) -> None:
    """Register the overview's callback."""

    @app.callback(
        Output(ids.OVERVIEW_TILES, "children"),
        Output(ids.OVERVIEW_STAGES, "figure"),
        Output(ids.OVERVIEW_BANDS, "figure"),
        *FILTER_INPUTS,
    )
    @for_page(OVERVIEW)
    def draw(*filters):
        """Draw the tiles and charts for the filtered portfolio."""
        values, queries = FilterValues.of(*filters), cached_queries()
        portfolio, _ = read_filter(values, queries)
        glance = queries(overview, portfolio, today(), reporting_currency())
        return (
            tiles(glance, values),
            figures.stage_chart(glance.by_stage),
            figures.band_chart(glance.by_band),
        )


def tiles(glance, values: FilterValues) -> list:
    """Return one tile per figure of the overview, each linking to its page."""
    money = glance.money
    bands = glance.by_band
    return [
        _tile(
            "Programmes",
            str(glance.programmes),
            _stages_text(glance.by_stage),
            page_url(PROGRESS, values),
        ),
        _tile(
            "On track / at risk / behind",
            " / ".join(
                str(bands.get(band, 0))
                for band in (
                    ProgressRating.ON_TRACK,
                    ProgressRating.AT_RISK,
                    ProgressRating.BEHIND,
                )
            ),
            _unrated_text(glance.programmes - _rated(bands)),
            page_url(PROGRESS, values),
        ),
        *(
            _tile(
                f"Money {kind}",
                _amount(money, kind),
                _missing_text(money, kind),
                page_url(SPENDING, values),
            )
            for kind in ("agreed", "committed", "spent")
        ),
        _tile(
            "Funding gap",
            _amount(money, "gap"),
            _missing_text(money, "gap") or "agreed totals less funding secured",
            page_url(SPENDING, values),
        ),
        _tile(
            "Matches in progress",
            str(glance.matches_in_progress),
            "shortlisted to accepted",
            page_url(MATCHING, values),
        ),
    ]


def _rated(bands) -> int:
    # A programme without agenda items has no row in the bands at all.
    return sum(count for band, count in bands.items() if band is not None)


def _unrated_text(unrated: int) -> str:
    if not unrated:
        return "every programme rated against its agenda"
    return f"{unrated} not rated: no dates or agenda items yet"


def _tile(title: str, value: str, note: str, href: str):
    return dcc.Link(
        [
            html.Span(title, className="tile-title"),
            html.Span(value, className="tile-value"),
            html.Span(note, className="tile-note"),
        ],
        href=href,
        className="tile",
    )


def _stages_text(by_stage: dict) -> str:
    return ", ".join(f"{count} {stage}" for stage, count in by_stage.items() if count)


def _amount(money: Converted, kind: str) -> str:
    if kind not in money.amounts:
        return "none" if money.complete else "missing"
    return figures.money_text(money.amounts[kind], money.currency)


def _missing_text(money: Converted, kind: str) -> str:
    """Say which amounts could not be converted: missing, never counted as zero."""
    left_out = [
        figures.money_text(amounts[kind], currency)
        for currency, amounts in money.missing.items()
        if amounts.get(kind)
    ]
    if not left_out:
        return ""
    return "plus " + ", ".join(left_out) + " without an exchange rate"

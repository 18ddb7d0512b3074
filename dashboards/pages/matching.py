"""Matching throughput: the introduction funnel, its pace, how long each step
takes, why introductions end, and the mentor pool in use."""

from dash import Output, dcc, html

from dashboards import figures, ids
from dashboards.access import MATCHING, for_page
from dashboards.context import cached_queries, read_filter
from dashboards.filters import FilterValues
from dashboards.layout import FILTER_INPUTS
from plp.queries.matching import (
    MIN_MATCHES_PER_REASON,
    end_reasons,
    funnel,
    monthly_events,
    pool_use_by_language,
    pool_use_by_region,
    span_days,
)


def layout(values: FilterValues):
    """Return the matching page's components, drawn by its callbacks."""
    return [
        html.H1("Matching throughput"),
        html.Div(
            [
                dcc.Graph(id=ids.MATCHING_FUNNEL, className="chart"),
                dcc.Graph(id=ids.MATCHING_SPANS, className="chart"),
            ],
            className="charts",
        ),
        html.P(
            "An import stamps the stages an introduction had already reached with "
            "the moment of the import; those moments are left out of the days each "
            "step takes and of the counts by month.",
            className="note",
        ),
        dcc.Graph(id=ids.MATCHING_MONTHLY, className="chart wide"),
        dcc.Graph(id=ids.MATCHING_END_REASONS, className="chart wide"),
        html.P(
            f"A reason typed by staff is shown as written only when at least "
            f"{MIN_MATCHES_PER_REASON} introductions share it; the rest are counted "
            "as other reasons.",
            className="note",
        ),
        html.H2("The mentor pool"),
        html.P(
            "Places are the whole pool's, whatever the filters; a place is in use "
            "while an agreement runs.",
            className="note",
        ),
        html.Div(
            [
                dcc.Graph(id=ids.MATCHING_POOL_REGIONS, className="chart"),
                dcc.Graph(id=ids.MATCHING_POOL_LANGUAGES, className="chart"),
            ],
            className="charts",
        ),
    ]


def register(app) -> None:
    """Register the matching page's callbacks."""

    @app.callback(Output(ids.MATCHING_FUNNEL, "figure"), *FILTER_INPUTS)
    @for_page(MATCHING)
    def draw_funnel(*filters):
        """Draw the introductions begun in the period, stage by stage."""
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        return figures.funnel_chart(queries(funnel, portfolio))

    @app.callback(Output(ids.MATCHING_SPANS, "figure"), *FILTER_INPUTS)
    @for_page(MATCHING)
    def draw_spans(*filters):
        """Draw how many days each step of an introduction takes."""
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        return figures.span_chart(queries(span_days, portfolio))

    @app.callback(Output(ids.MATCHING_MONTHLY, "figure"), *FILTER_INPUTS)
    @for_page(MATCHING)
    def draw_months(*filters):
        """Draw proposals, disclosures and agreements month by month."""
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        return figures.monthly_events_chart(queries(monthly_events, portfolio))

    @app.callback(Output(ids.MATCHING_END_REASONS, "figure"), *FILTER_INPUTS)
    @for_page(MATCHING)
    def draw_reasons(*filters):
        """Draw why introductions ended in the period."""
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        return figures.end_reasons_chart(queries(end_reasons, portfolio))

    @app.callback(
        Output(ids.MATCHING_POOL_REGIONS, "figure"),
        Output(ids.MATCHING_POOL_LANGUAGES, "figure"),
        *FILTER_INPUTS,
    )
    @for_page(MATCHING)
    def draw_pool(*filters):
        """Draw the mentor pool's places in use by region and by language."""
        queries = cached_queries()
        return (
            figures.pool_chart(queries(pool_use_by_region), "region"),
            figures.pool_chart(queries(pool_use_by_language), "language"),
        )

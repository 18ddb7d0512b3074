"""Progress against agendas: share done against time passed, overdue items,
one programme's agenda, and progress by facilitator."""

from dash import Input, Output, dcc, html

from dashboards import figures, ids
from dashboards.access import PROGRESS, for_page
from dashboards.context import cached_queries, read_filter, today
from dashboards.filters import FilterValues
from dashboards.layout import FILTER_INPUTS
from plp.queries.progress import agenda_timeline, progress_summary

# The most programmes the drill-down offers: those trailing time the most.
MOST_CHOICES = 200


def layout(values: FilterValues):
    """Return the progress page's components, drawn by its callbacks."""
    return [
        html.H1("Progress against agendas"),
        html.P(
            "Each programme's share of its agenda done, by cost and by count, "
            "against the share of its planned time passed. On track trails time "
            "by 10 points or less, at risk by 25 or less, behind by more.",
            className="lead",
        ),
        dcc.Graph(id=ids.PROGRESS_PROGRAMMES, className="chart wide"),
        html.Div(
            [
                dcc.Graph(id=ids.PROGRESS_OVERDUE, className="chart"),
                dcc.Graph(id=ids.PROGRESS_FACILITATORS, className="chart"),
            ],
            className="charts",
        ),
        html.H2("One programme's agenda"),
        html.Div(
            [
                html.Label("Programme", htmlFor=ids.PROGRESS_PROGRAMME),
                dcc.Dropdown(
                    id=ids.PROGRESS_PROGRAMME,
                    placeholder="choose a programme, or click one in the chart",
                ),
            ],
            className="filter drill",
        ),
        dcc.Graph(id=ids.PROGRESS_TIMELINE, className="chart wide"),
    ]


def register(app) -> None:
    """Register the progress page's callbacks."""

    @app.callback(
        Output(ids.PROGRESS_PROGRAMMES, "figure"),
        Output(ids.PROGRESS_OVERDUE, "figure"),
        Output(ids.PROGRESS_FACILITATORS, "figure"),
        Output(ids.PROGRESS_PROGRAMME, "options"),
        *FILTER_INPUTS,
    )
    @for_page(PROGRESS)
    def draw(*filters):
        """Draw progress per programme, overdue items and progress by facilitator."""
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        summary = queries(
            progress_summary, portfolio, today(), MOST_CHOICES, figures.TOP_N
        )
        return (
            figures.progress_chart(summary),
            figures.overdue_chart(summary),
            figures.facilitator_chart(summary),
            sorted(row.reference for row in summary.trailing),
        )

    @app.callback(
        Output(ids.PROGRESS_PROGRAMME, "value"),
        Input(ids.PROGRESS_PROGRAMMES, "clickData"),
        Input(ids.PROGRESS_OVERDUE, "clickData"),
        prevent_initial_call=True,
    )
    @for_page(PROGRESS)
    def choose(*clicks):
        """Drill down into the programme clicked in a chart."""
        return clicked_reference(clicks)

    @app.callback(
        Output(ids.PROGRESS_TIMELINE, "figure"),
        Input(ids.PROGRESS_PROGRAMME, "value"),
        *FILTER_INPUTS,
    )
    @for_page(PROGRESS)
    def drill_down(reference, *filters):
        """Draw one programme's agenda, planned against actual."""
        if not reference:
            return figures.timeline_chart("", [], today())
        queries = cached_queries()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        items = queries(agenda_timeline, portfolio, str(reference), today())
        return figures.timeline_chart(str(reference), items, today())


def clicked_reference(clicks) -> str | None:
    """Return the programme a click in a chart points at; "others" points at none."""
    for click in clicks:
        points = click.get("points") if isinstance(click, dict) else None
        for point in points if isinstance(points, list) else []:
            if not isinstance(point, dict):
                continue
            reference = str(point.get("y", ""))
            if reference and not reference.startswith(figures.OTHERS):
                return reference
    return None

"""The frame every dashboard page shares: navigation, the filter bar, the router.

The router draws a page and its filter bar when the address's path changes,
setting the filters from the address; when a filter changes, the address's
query string follows, so the view can be bookmarked and shared, and the
navigation links carry it to the other pages.
"""

from dash import Input, Output, State, dcc, html
from flask_login import current_user

from dashboards import ids
from dashboards.access import (
    MATCHING,
    OVERVIEW,
    PAGE_PATHS,
    PREFIX,
    PROGRESS,
    SPENDING,
    may_read,
    page_of,
    pages_readable,
)
from dashboards.context import cached_queries, read_filter
from dashboards.filters import COUNTRY, REGION, FilterValues, from_query, place_value
from dashboards.filters import to_query as query_of
from plp.enums import ProgrammeStatus
from plp.queries.choices import countries, facilitators, regions

TITLES = {
    OVERVIEW: "Overview",
    PROGRESS: "Progress against agendas",
    SPENDING: "Spending against budgets",
    MATCHING: "Matching throughput",
}

# The inputs every page's figures are drawn from, in FilterValues.of's order.
FILTER_INPUTS = (
    Input(ids.FILTER_PERIOD, "start_date"),
    Input(ids.FILTER_PERIOD, "end_date"),
    Input(ids.FILTER_FACILITATOR, "value"),
    Input(ids.FILTER_PLACE, "value"),
    Input(ids.FILTER_STATUS, "value"),
)


def page_url(page: str, values: FilterValues | None = None) -> str:
    """Return a page's address, carrying the filters when given."""
    return PREFIX + PAGE_PATHS[page] + (query_of(values) if values else "")


def frame():
    """Return the frame of the dashboards for the signed-in member of staff.

    Served afresh on every request for the layout, so that each person's
    navigation shows only the pages their role may read.
    """
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            html.Header(
                [
                    html.A("PLP Manager", href="/", className="brand"),
                    html.Nav(nav_links(PREFIX, ""), id=ids.NAV),
                ],
                className="top",
            ),
            html.Div(id=ids.FILTER_BAR, className="filters"),
            html.Div(id=ids.FILTER_MESSAGE, className="message", role="status"),
            html.Main(id=ids.PAGE),
        ]
    )


def _text_or(value, default: str) -> str:
    # The address's parts, as a hand-made request may send anything for them.
    return value if isinstance(value, str) else default


def nav_links(pathname: str, query: str) -> list:
    """Return a link to each page the member of staff may read, carrying the query."""
    if not current_user.is_authenticated:
        return []
    current = page_of(pathname)
    return [
        dcc.Link(
            TITLES[page],
            href=page_url(page) + query,
            className="nav current" if page == current else "nav",
        )
        for page in pages_readable()
    ]


def filter_bar(values: FilterValues, problems: list[str]):
    """Return the filter bar, set to the values, with the choices it offers."""
    people, places, stages = _choices()
    return [
        _labelled(
            "Period",
            dcc.DatePickerRange(
                id=ids.FILTER_PERIOD,
                start_date_id=ids.FILTER_PERIOD_START,
                end_date_id=ids.FILTER_PERIOD_END,
                start_date=values.start,
                end_date=values.end,
                display_format="YYYY-MM-DD",
                start_date_placeholder_text="from",
                end_date_placeholder_text="to",
                clearable=True,
            ),
        ),
        _dropdown(
            "Facilitator",
            ids.FILTER_FACILITATOR,
            people,
            values.facilitator,
            "every facilitator",
        ),
        _dropdown(
            "Region or country", ids.FILTER_PLACE, places, values.place, "everywhere"
        ),
        _dropdown(
            "Programme status",
            ids.FILTER_STATUS,
            stages,
            list(values.statuses),
            "every status",
            multi=True,
        ),
        html.Div([html.P(problem) for problem in problems], className="message"),
    ]


def _choices():
    """Return the facilitators, places and stages the filter bar offers."""
    queries = cached_queries()
    people = [
        {"label": name, "value": person} for person, name in queries(facilitators)
    ]
    places = [
        {"label": f"Region: {name}", "value": place_value(REGION, name)}
        for name in queries(regions)
    ] + [
        {"label": f"Country: {name}", "value": place_value(COUNTRY, name)}
        for name in queries(countries)
    ]
    stages = [
        {"label": str(status), "value": str(status)} for status in ProgrammeStatus
    ]
    return people, places, stages


def _dropdown(label, component, options, value, placeholder, multi=False):
    control = dcc.Dropdown(
        id=component,
        options=options,
        value=value,
        placeholder=placeholder,
        multi=multi,
    )
    return _labelled(label, control)


def _labelled(label: str, control):
    return html.Div([html.Label(label), control], className="filter")


def register(app, pages: dict) -> None:
    """Register the router, the address and the navigation callbacks.

    `pages` maps each page's name to the function that draws its layout.
    """

    @app.callback(
        Output(ids.PAGE, "children"),
        Output(ids.FILTER_BAR, "children"),
        Input(ids.URL, "pathname"),
        State(ids.URL, "search"),
    )
    def route(pathname, search):
        """Draw the page the address names and the filter bar it carries."""
        pathname, search = _text_or(pathname, PREFIX), _text_or(search, "")
        values, problems = from_query(search)
        page = page_of(pathname or PREFIX)
        if page is None:
            return _notice("There is no dashboard at this address."), []
        if not may_read(page):
            return _notice("Your role may not read this dashboard."), []
        return pages[page](values), filter_bar(values, problems)

    @app.callback(
        Output(ids.URL, "search"),
        Output(ids.FILTER_MESSAGE, "children"),
        *FILTER_INPUTS,
        prevent_initial_call=True,
    )
    def follow_filters(*filters):
        """Write the filters into the address and say what could not be applied."""
        values = FilterValues.of(*filters)
        _, problems = read_filter(values, cached_queries())
        return query_of(values), [html.P(problem) for problem in problems]

    @app.callback(
        Output(ids.NAV, "children"),
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def carry_filters(pathname, search):
        """Let the navigation carry the filters to the other pages."""
        pathname, search = _text_or(pathname, PREFIX), _text_or(search, "")
        query = search if search and search != "?" else ""
        return nav_links(pathname or PREFIX, query)


def _notice(text: str):
    return html.Div(html.P(text), className="notice")

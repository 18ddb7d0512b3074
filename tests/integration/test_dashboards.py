"""The dashboards' callbacks draw the right figures for a School's known records."""

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from admin.extensions import db
from dashboards import ids
from tests.integration import factories
from tests.integration.dashboard_calls import (
    figures_payload,
    filter_inputs,
    payload,
    post_callback,
    response_of,
    route_payload,
)
from tests.integration.factories import (
    MENTOR_IDENTITY,
    build_school,
    make_agreed_budget,
    make_client,
    make_mentor,
    make_programme,
)

panel = factories.panel
app = factories.app

OVERVIEW = [
    (ids.OVERVIEW_TILES, "children"),
    (ids.OVERVIEW_STAGES, "figure"),
    (ids.OVERVIEW_BANDS, "figure"),
]
SPENDING = [
    (ids.SPENDING_TOTALS, "children"),
    (ids.SPENDING_PROGRAMMES, "figure"),
    (ids.SPENDING_NEAR_BUDGET, "figure"),
]
PROGRESS = [
    (ids.PROGRESS_PROGRAMMES, "figure"),
    (ids.PROGRESS_OVERDUE, "figure"),
    (ids.PROGRESS_FACILITATORS, "figure"),
    (ids.PROGRESS_PROGRAMME, "options"),
]
EVERY_CALLBACK = [
    OVERVIEW,
    SPENDING,
    PROGRESS,
    [(ids.SPENDING_MONTHLY, "figure")],
    [(ids.SPENDING_CATEGORIES, "figure")],
    [(ids.MATCHING_FUNNEL, "figure")],
    [(ids.MATCHING_SPANS, "figure")],
    [(ids.MATCHING_MONTHLY, "figure")],
    [(ids.MATCHING_END_REASONS, "figure")],
    [(ids.MATCHING_POOL_REGIONS, "figure"), (ids.MATCHING_POOL_LANGUAGES, "figure")],
]


@pytest.fixture
def school(app):
    """An active programme in EUR: agreed 1,100.00, committed 1,150.00, spent 120.00."""
    mentor = make_mentor(db.session, **MENTOR_IDENTITY)
    return build_school(db.session, mentor=mentor)


@pytest.fixture
def director(client, auth):
    """Sign a director in and open the dashboards, as a browser would."""
    auth.login_as("director")
    client.get("/dashboards/")
    return client


def _call(client, outputs, **filters):
    response = post_callback(client, figures_payload(outputs, **filters))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def _figure(result, component):
    return result[component]["figure"]


def _message(figure) -> str:
    return " ".join(note["text"] for note in figure["layout"].get("annotations", []))


def _trace(figure, name):
    [trace] = [trace for trace in figure["data"] if trace.get("name") == name]
    return trace


def test_the_overview_tiles_total_the_portfolio_in_the_reporting_currency(
    director, school
):
    result = _call(director, OVERVIEW)

    tiles = json.dumps(result[ids.OVERVIEW_TILES]["children"])
    assert "EUR 1,100.00" in tiles  # agreed: 1,000.00 and a revision of 100.00
    assert "EUR 1,150.00" in tiles  # committed: a 300.00 fee and an 850.00 place
    assert "EUR 120.00" in tiles  # spent
    stages = result[ids.OVERVIEW_STAGES]["figure"]["data"][0]
    assert dict(zip(stages["x"], stages["y"], strict=True))["active"] == 1


def test_the_progress_tile_says_how_many_programmes_are_not_rated(director, school):
    tiles = json.dumps(_call(director, OVERVIEW)[ids.OVERVIEW_TILES]["children"])

    assert "every programme rated against its agenda" in tiles

    make_programme(db.session, school.facilitator)
    db.session.commit()
    tiles = json.dumps(_call(director, OVERVIEW)[ids.OVERVIEW_TILES]["children"])

    assert "1 not rated: no dates or agenda items yet" in tiles


def _with_class(component, name: str) -> list[dict]:
    """Return every component in a layout whose class is the one named."""
    if isinstance(component, list):
        return [found for part in component for found in _with_class(part, name)]
    if not isinstance(component, dict):
        return []
    props = component.get("props", {})
    found = [props] if props.get("className") == name else []
    return found + _with_class(props.get("children"), name)


def test_the_dashboards_name_sends_each_role_to_its_start_page(director):
    layout = director.get("/dashboards/_dash-layout").get_json()

    [brand] = _with_class(layout, "brand")
    assert brand["href"] == "/"
    assert director.get("/").headers["Location"] == "/dashboards/"


def test_each_overview_tile_links_to_its_page_with_the_filters(director, school):
    result = _call(director, OVERVIEW, place="region:West Africa")

    links = [tile["props"]["href"] for tile in result[ids.OVERVIEW_TILES]["children"]]
    assert "/dashboards/progress?region=West+Africa" in links
    assert "/dashboards/spending?region=West+Africa" in links
    assert "/dashboards/matching?region=West+Africa" in links


def test_filters_that_match_nothing_show_empty_states(director, school):
    result = _call(director, OVERVIEW, place="region:Andes")

    assert "No programmes match" in _message(_figure(result, ids.OVERVIEW_STAGES))
    assert "No programme here" in _message(_figure(result, ids.OVERVIEW_BANDS))
    tiles = json.dumps(result[ids.OVERVIEW_TILES]["children"])
    assert "NaN" not in tiles


def test_a_new_installation_shows_empty_states_on_every_page(director):
    for outputs in EVERY_CALLBACK:
        result = _call(director, outputs)
        for component, prop in outputs:
            if prop == "figure":
                figure = result[component]["figure"]
                assert figure["data"] == [] or component.startswith("matching-pool")
                assert "NaN" not in json.dumps(figure)


def test_spending_shows_money_per_programme_and_the_portfolio_totals(director, school):
    result = _call(director, SPENDING)

    agreed = _trace(_figure(result, ids.SPENDING_PROGRAMMES), "agreed")
    assert agreed["y"] == [school.programme.reference]
    assert agreed["x"] == [1100.0]
    totals = json.dumps(result[ids.SPENDING_TOTALS]["children"])
    assert "EUR 1,100.00" in totals
    assert "No programme is over or near its budget." in _message(
        _figure(result, ids.SPENDING_NEAR_BUDGET)
    )


def test_a_currency_without_a_rate_is_shown_missing_never_zero(director, school):
    programme = make_programme(db.session, None, currency="UAH")
    make_agreed_budget(db.session, programme, "4000.00")
    db.session.commit()

    result = _call(director, SPENDING)

    totals = json.dumps(result[ids.SPENDING_TOTALS]["children"], ensure_ascii=False)
    assert "Missing: no exchange rate from UAH to EUR" in totals
    assert "agreed UAH 4,000.00" in totals
    assert "EUR 1,100.00" in totals
    title = _figure(result, ids.SPENDING_PROGRAMMES)["layout"]["title"]["text"]
    assert "1 programmes in UAH left out" in title


def test_monthly_spending_falls_in_its_month_under_the_budget_line(director, school):
    result = _call(director, [(ids.SPENDING_MONTHLY, "figure")])

    figure = _figure(result, ids.SPENDING_MONTHLY)
    month = _trace(figure, "spent in the month")
    assert (month["x"], month["y"]) == (["2026-04"], [120.0])
    assert _trace(figure, "agreed budget EUR 1,100.00")
    [line] = figure["layout"]["shapes"]
    assert (line["y0"], line["y1"]) == (1100.0, 1100.0)


def test_programmes_near_their_budget_are_listed_most_spent_first(director, school):
    nearly = make_programme(db.session, None)
    make_agreed_budget(db.session, nearly, "100.00")
    db.session.add(
        factories.Expense(
            programme=nearly,
            incurred_on=date(2026, 5, 1),
            amount=Decimal("95.00"),
            payee="Printer",
        )
    )
    db.session.commit()

    result = _call(director, SPENDING)

    [bars] = _figure(result, ids.SPENDING_NEAR_BUDGET)["data"]
    assert bars["y"] == [nearly.reference]
    assert bars["text"] == ["95%"]


def test_progress_names_programmes_by_reference_and_drills_into_one(director, school):
    reference = school.programme.reference

    result = _call(director, PROGRESS)

    done = _trace(_figure(result, ids.PROGRESS_PROGRAMMES), "done by cost")
    assert done["y"] == [reference]
    assert result[ids.PROGRESS_PROGRAMME]["options"] == [reference]

    chosen = {"id": ids.PROGRESS_PROGRAMME, "property": "value", "value": reference}
    timeline = post_callback(
        director,
        payload([(ids.PROGRESS_TIMELINE, "figure")], [chosen, *filter_inputs()]),
    )
    figure = response_of(timeline, ids.PROGRESS_TIMELINE, "figure")
    planned = _trace(figure, "planned")
    assert planned["y"] == ["1. mentoring"]
    assert planned["base"] == ["2026-03-01"]
    assert "Speak at the town hall" not in json.dumps(figure)


def test_clicking_a_programme_in_the_chart_drills_down_into_it(director, school):
    click = {"points": [{"y": school.programme.reference, "x": 0.2}]}
    body = payload(
        [(ids.PROGRESS_PROGRAMME, "value")],
        [
            {"id": ids.PROGRESS_PROGRAMMES, "property": "clickData", "value": click},
            {"id": ids.PROGRESS_OVERDUE, "property": "clickData", "value": None},
        ],
    )

    response = post_callback(director, body)

    assert response_of(response, ids.PROGRESS_PROGRAMME, "value") == (
        school.programme.reference
    )


def test_a_facilitator_of_no_programme_in_the_address_is_not_applied(director, school):
    body = payload(
        [(ids.URL, "search"), (ids.FILTER_MESSAGE, "children")],
        filter_inputs(facilitator=school.approver.id),
    )

    messages = json.dumps(
        response_of(post_callback(director, body), ids.FILTER_MESSAGE, "children"),
        ensure_ascii=False,
    )
    tiles = json.dumps(
        _call(director, OVERVIEW, facilitator=school.approver.id)[ids.OVERVIEW_TILES]
    )

    assert f"“{school.approver.id}” is not a facilitator of any programme" in messages
    assert "EUR 1,100.00" in tiles


ODD_VALUES = [7, ["region:West Africa"], {"a": 1}, True]


@pytest.mark.parametrize("odd", ODD_VALUES)
def test_filters_of_the_wrong_kind_are_refused_with_a_message(director, school, odd):
    body = payload(
        [(ids.URL, "search"), (ids.FILTER_MESSAGE, "children")],
        filter_inputs(start=odd, end=odd, place=odd, facilitator=odd),
    )

    response = post_callback(director, body)
    messages = json.dumps(response_of(response, ids.FILTER_MESSAGE, "children"))

    assert "is not a date" in messages
    assert "is not a region or a country" in messages
    if type(odd) is not int:  # seven could be somebody's account
        assert "is not a facilitator" in messages
    overview = post_callback(director, figures_payload(OVERVIEW, place=odd))
    assert overview.status_code == 200


@pytest.mark.parametrize("odd", ["a click", ["a click"], {"points": "none"}, 7])
def test_a_click_of_the_wrong_kind_drills_into_nothing(director, school, odd):
    body = payload(
        [(ids.PROGRESS_PROGRAMME, "value")],
        [
            {"id": ids.PROGRESS_PROGRAMMES, "property": "clickData", "value": odd},
            {"id": ids.PROGRESS_OVERDUE, "property": "clickData", "value": [odd]},
        ],
    )

    response = post_callback(director, body)

    assert response_of(response, ids.PROGRESS_PROGRAMME, "value") is None


@pytest.mark.parametrize("odd", [7, ["/dashboards/"], {"a": 1}])
def test_an_address_of_the_wrong_kind_draws_the_overview(director, odd):
    route = post_callback(director, route_payload(odd, odd))
    nav = post_callback(
        director,
        payload(
            [(ids.NAV, "children")],
            [
                {"id": ids.URL, "property": "pathname", "value": odd},
                {"id": ids.URL, "property": "search", "value": odd},
            ],
        ),
    )

    assert "Overview" in json.dumps(route.get_json()["response"])
    assert nav.status_code == 200


def test_matching_counts_the_funnel_and_the_pool(director, school):
    funnel = _figure(
        _call(director, [(ids.MATCHING_FUNNEL, "figure")]), ids.MATCHING_FUNNEL
    )
    pool = _call(
        director,
        [
            (ids.MATCHING_POOL_REGIONS, "figure"),
            (ids.MATCHING_POOL_LANGUAGES, "figure"),
        ],
    )

    [stages] = funnel["data"]
    assert stages["x"] == [1, 1, 1, 1, 1, 1, 1]
    assert stages["y"][-1] == "agreed (100%)"
    in_use = _trace(_figure(pool, ids.MATCHING_POOL_REGIONS), "in use")
    assert (in_use["y"], in_use["x"]) == (["Western Europe"], [1])


def test_no_callback_names_a_mentor_or_a_client(director, school):
    texts = [
        json.dumps(_call(director, outputs), ensure_ascii=False)
        for outputs in EVERY_CALLBACK
    ]
    texts.append(
        json.dumps(
            response_of(
                post_callback(director, route_payload("/dashboards/progress")),
                ids.FILTER_BAR,
                "children",
            )
        )
    )

    for text in texts:
        for value in (
            *MENTOR_IDENTITY.values(),
            school.client.name,
            school.client.email,
        ):
            assert value not in text


def test_the_router_sets_the_filters_from_the_address_and_refuses_bad_values(
    director, school
):
    search = "?from=2026-01-01&to=someday&region=West+Africa&status=active&status=bogus"

    response = post_callback(director, route_payload("/dashboards/spending", search))

    bar = json.dumps(
        response_of(response, ids.FILTER_BAR, "children"), ensure_ascii=False
    )
    assert '"start_date": "2026-01-01"' in bar
    assert '"value": "region:West Africa"' in bar
    assert '"value": ["active"]' in bar
    assert "The period end “someday” is not a date" in bar
    assert "Unknown programme status bogus" in bar
    page = json.dumps(response_of(response, ids.PAGE, "children"))
    assert "Spending against budgets" in page


def test_changing_a_filter_writes_it_into_the_address(director, school):
    body = payload(
        [(ids.URL, "search"), (ids.FILTER_MESSAGE, "children")],
        filter_inputs(start="2026-02-01", end="2026-01-01", statuses=["active"]),
    )

    response = post_callback(director, body)

    assert response_of(response, ids.URL, "search") == (
        "?from=2026-02-01&to=2026-01-01&status=active"
    )
    message = json.dumps(response_of(response, ids.FILTER_MESSAGE, "children"))
    assert "before it starts" in message


def test_a_country_shared_by_too_few_clients_is_not_applied(director, school):
    school.client.country = "Ghana"
    elsewhere = make_programme(db.session, None)
    make_agreed_budget(db.session, elsewhere, "10.00")
    db.session.commit()

    result = _call(director, OVERVIEW, place="country:Ghana")

    tiles = json.dumps(result[ids.OVERVIEW_TILES]["children"])
    assert "EUR 1,110.00" in tiles  # the whole portfolio, not one client's
    bar = post_callback(director, route_payload("/dashboards/", "?country=Ghana"))
    assert "Country: Ghana" not in json.dumps(
        response_of(bar, ids.FILTER_BAR, "children")
    )


def test_a_country_shared_by_several_clients_filters_the_portfolio(director, school):
    for _ in range(3):
        client = make_client(db.session, country="Kenya")
        programme = make_programme(db.session, None, client=client)
        make_agreed_budget(db.session, programme, "10.00")
    db.session.commit()

    result = _call(director, OVERVIEW, place="country:Kenya")

    assert "EUR 30.00" in json.dumps(result[ids.OVERVIEW_TILES]["children"])


def test_each_callback_runs_a_handful_of_statements_however_many_programmes(
    director, school
):
    counts = {}
    for size in ("one", "many"):
        if size == "many":
            for _ in range(5):
                build_school(db.session)
        for outputs in EVERY_CALLBACK:
            statements = []
            listener = _count_into(statements)
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                _call(director, outputs)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            counts[(size, outputs[0][0])] = len(statements)

    for (_, component), count in counts.items():
        # A handful of queries, and the read of the records' version.
        assert count <= 7, (component, count)
        assert count == counts[("one", component)], component


def _count_into(statements):
    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    return count

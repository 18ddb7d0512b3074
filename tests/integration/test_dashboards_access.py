"""Every way into the dashboards asks who is signed in and what their role may read."""

import re

import pytest

from admin.extensions import db
from dashboards import ids
from tests.integration import factories
from tests.integration.dashboard_calls import (
    figures_payload,
    post_callback,
    response_of,
    route_payload,
)
from tests.integration.factories import build_school

panel = factories.panel
app = factories.app

PAGES = (
    "/dashboards/",
    "/dashboards/progress",
    "/dashboards/spending",
    "/dashboards/matching",
)
RESOURCES = (
    "/dashboards/_dash-layout",
    "/dashboards/_dash-dependencies",
    "/dashboards/_dash-component-suites/dash/dcc/async-graph.js",
    "/dashboards/assets/dashboards.css",
)
OVERVIEW_FIGURES = [
    (ids.OVERVIEW_TILES, "children"),
    (ids.OVERVIEW_STAGES, "figure"),
    (ids.OVERVIEW_BANDS, "figure"),
]
SPENDING_FIGURES = [
    (ids.SPENDING_TOTALS, "children"),
    (ids.SPENDING_PROGRAMMES, "figure"),
    (ids.SPENDING_NEAR_BUDGET, "figure"),
]
PAGE_CALLBACKS = {
    "overview": OVERVIEW_FIGURES,
    "progress": [
        (ids.PROGRESS_PROGRAMMES, "figure"),
        (ids.PROGRESS_OVERDUE, "figure"),
        (ids.PROGRESS_FACILITATORS, "figure"),
        (ids.PROGRESS_PROGRAMME, "options"),
    ],
    "spending": SPENDING_FIGURES,
    "matching": [(ids.MATCHING_FUNNEL, "figure")],
}


@pytest.fixture
def school(app):
    """A programme with money, an agenda and a match, so that callbacks have data."""
    return build_school(db.session)


def _status(client, path: str) -> int:
    """Return a GET's status, closing the file a static response may hold open."""
    with client.get(path) as response:
        return response.status_code


def _has_no_data(response) -> bool:
    text = response.get_data(as_text=True)
    return all(word not in text for word in ("figure", "PLP-", "children", "EUR"))


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/dashboards/")
    assert _has_no_data(response)


@pytest.mark.parametrize("path", RESOURCES)
def test_a_signed_out_visitor_gets_401_and_no_data_from_dash_endpoints(client, path):
    with client.get(path) as response:
        assert response.status_code == 401
        assert response.get_json() == {"error": "Sign in to read the dashboards."}


def test_a_signed_out_callback_gets_401_and_no_data(client, school):
    response = post_callback(
        client, figures_payload(OVERVIEW_FIGURES), with_token=False
    )

    assert response.status_code == 401
    assert _has_no_data(response)


@pytest.mark.parametrize("role", ["director", "administrator"])
def test_directors_and_administrators_read_every_page_and_endpoint(
    client, auth, school, role
):
    auth.login_as(role)

    for path in (*PAGES, *RESOURCES):
        assert _status(client, path) == 200, path
    for page, outputs in PAGE_CALLBACKS.items():
        response = post_callback(client, figures_payload(outputs))
        assert response.status_code == 200, page
    pages = response_of(
        post_callback(client, route_payload("/dashboards/matching")),
        ids.PAGE,
        "children",
    )
    assert "Matching throughput" in str(pages)


def test_finance_reads_spending_and_nothing_else(client, auth, school):
    auth.login_as("finance")

    landing = client.get("/dashboards/?region=Andes")
    assert landing.status_code == 302
    assert landing.headers["Location"] == "/dashboards/spending?region=Andes"
    assert client.get("/dashboards/spending").status_code == 200
    for path in ("/dashboards/progress", "/dashboards/matching"):
        assert _status(client, path) == 403, path
    for path in RESOURCES:
        assert _status(client, path) == 200, path

    spending = post_callback(client, figures_payload(SPENDING_FIGURES))
    assert spending.status_code == 200
    for page in ("overview", "progress", "matching"):
        refused = post_callback(client, figures_payload(PAGE_CALLBACKS[page]))
        assert refused.status_code == 403, page
        assert _has_no_data(refused)


def test_finance_is_told_a_page_is_not_theirs_when_asking_the_router(
    client, auth, school
):
    auth.login_as("finance")
    client.get("/dashboards/spending")

    response = post_callback(client, route_payload("/dashboards/progress"))

    assert "Your role may not read this dashboard." in str(
        response_of(response, ids.PAGE, "children")
    )
    assert response_of(response, ids.FILTER_BAR, "children") == []


def test_the_navigation_offers_finance_only_spending(client, auth):
    auth.login_as("finance")

    layout = client.get("/dashboards/_dash-layout").get_data(as_text=True)

    assert "Spending against budgets" in layout
    assert "Matching throughput" not in layout


@pytest.mark.parametrize("role", ["facilitator", "coordinator"])
def test_facilitators_and_coordinators_are_refused_everywhere(
    client, auth, school, role
):
    auth.login_as(role)

    for path in PAGES:
        assert _status(client, path) == 403, path
    for path in RESOURCES:
        with client.get(path) as response:
            assert response.status_code == 403, path
            assert _has_no_data(response)
    for outputs in PAGE_CALLBACKS.values():
        refused = post_callback(client, figures_payload(outputs))
        assert refused.status_code == 403
        assert _has_no_data(refused)
    assert post_callback(client, route_payload("/dashboards/")).status_code == 403


def test_a_callback_without_the_csrf_token_is_refused(client, auth, school):
    auth.login_as("director")
    client.get("/dashboards/")

    response = post_callback(
        client, figures_payload(OVERVIEW_FIGURES), with_token=False
    )

    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_the_page_hands_the_renderer_a_strict_csrf_cookie(client, auth):
    auth.login_as("director")

    response = client.get("/dashboards/")

    [cookie] = [
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("plp_dashboards_csrf=")
    ]
    assert "Path=/dashboards/" in cookie
    assert "SameSite=Strict" in cookie


def test_signing_out_closes_the_dashboards_again(client, auth, school):
    auth.login_as("director")
    assert client.get("/dashboards/").status_code == 200

    auth.logout()

    assert client.get("/dashboards/_dash-layout").status_code == 401
    assert (
        post_callback(
            client, figures_payload(OVERVIEW_FIGURES), with_token=False
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("director", "/dashboards/"),
        ("administrator", "/dashboards/"),
        ("finance", "/dashboards/spending"),
    ],
)
def test_the_panel_links_staff_who_may_read_them_to_the_dashboards(
    client, auth, role, landing
):
    auth.login_as(role)

    home = client.get("/admin/").get_data(as_text=True)

    assert f'href="{landing}">Open the dashboards</a>' in home
    assert re.search(r'href="/dashboards/">\s*Dashboards</a>', home)


@pytest.mark.parametrize("role", ["facilitator", "coordinator"])
def test_the_panel_offers_no_dashboards_to_other_staff(client, auth, role):
    auth.login_as(role)

    home = client.get("/admin/").get_data(as_text=True)

    assert "/dashboards/" not in home

"""Repeated dashboard views come from the cache until a record changes."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from admin.extensions import db
from app import create_app
from dashboards import ids
from plp.enums import Role
from plp.models import Programme
from plp.services.budgets import record_revision
from tests.integration import factories
from tests.integration.conftest import Auth
from tests.integration.dashboard_calls import (
    figures_payload,
    payload,
    post_callback,
    route_payload,
)
from tests.integration.factories import build_school, form_data
from tests.integration.test_admin_rules import SecondBrowser
from tests.integration.test_dashboards import EVERY_CALLBACK, OVERVIEW, SPENDING
from tests.integration.test_import import SAMPLE

panel = factories.panel
app = factories.app

# A click in a chart: a callback that reads no records, only who is signed in.
CLICK = payload(
    [(ids.PROGRESS_PROGRAMME, "value")],
    [
        {"id": ids.PROGRESS_PROGRAMMES, "property": "clickData", "value": None},
        {"id": ids.PROGRESS_OVERDUE, "property": "clickData", "value": None},
    ],
)

EVERY_REQUEST = [
    *(figures_payload(outputs) for outputs in EVERY_CALLBACK),
    figures_payload(OVERVIEW, place="country:Kenya"),
    route_payload("/dashboards/spending"),
]


@pytest.fixture
def school(app):
    """An active programme in EUR: agreed 1,100.00, spent 120.00."""
    return build_school(db.session)


@pytest.fixture
def director(client, auth):
    """Sign a director in and open the dashboards, as a browser would."""
    auth.login_as("director")
    client.get("/dashboards/")
    return client


def statements_of(client, body) -> list[str]:
    """Post a callback and return the SQL statements its request ran.

    The session forgets what it holds first, as a new request's session
    would, so that every request looks up who is signed in.
    """
    db.session.expire_all()
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = post_callback(client, body)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return statements


def spending_seen(client) -> tuple[str, list]:
    """Return the spending totals' text and each programme's spent bar."""
    response = post_callback(client, figures_payload(SPENDING))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    result = response.get_json()["response"]
    totals = json.dumps(result[ids.SPENDING_TOTALS]["children"])
    bars = result[ids.SPENDING_PROGRAMMES]["figure"]["data"]
    [spent] = [bar for bar in bars if bar["name"] == "spent"]
    return totals, spent["x"]


def overview_tiles(client) -> str:
    """Return the overview tiles' text."""
    response = post_callback(client, figures_payload(OVERVIEW))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.dumps(response.get_json()["response"][ids.OVERVIEW_TILES])


@pytest.mark.parametrize("body", EVERY_REQUEST, ids=lambda body: body["output"])
def test_a_repeated_view_reads_only_the_records_version(director, school, body):
    signing_in = statements_of(director, CLICK)
    statements_of(director, body)

    again = statements_of(director, body)

    assert sorted(again) == sorted([*signing_in, _version_read(again)])


def _version_read(statements: list[str]) -> str:
    [read] = [statement for statement in statements if "records_version" in statement]
    return read


def test_an_expense_saved_in_the_panel_shows_in_the_next_view(
    app, director, auth, school
):
    totals, spent = spending_seen(director)
    assert "EUR 120.00" in totals
    assert spent == [120.0]
    finance = SecondBrowser(app, auth, "finance")

    page = finance.call(lambda client: client.get("/admin/expense/new/"))
    data = form_data(
        page.get_data(as_text=True),
        programme=str(school.programme.id),
        incurred_on="2026-05-01",
        amount="30.00",
        payee="Hotel Europa",
    )
    saved = finance.call(lambda client: client.post("/admin/expense/new/", data=data))

    assert saved.status_code == 302
    totals, spent = spending_seen(director)
    assert "EUR 150.00" in totals
    assert spent == [150.0]


def test_a_budget_revision_recorded_by_a_service_shows_in_the_next_view(
    director, school
):
    assert "EUR 1,100.00" in overview_tiles(director)

    record_revision(
        db.session,
        school.approver,
        school.budget.id,
        "50.00",
        "A second seminar",
        line_id=school.line.id,
    )

    tiles = overview_tiles(director)
    assert "EUR 1,150.00" in tiles
    assert "EUR 1,100.00" not in tiles


def programmes_tile(client) -> str:
    """Return the number the overview's Programmes tile shows."""
    response = post_callback(client, figures_payload(OVERVIEW))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    tiles = response.get_json()["response"][ids.OVERVIEW_TILES]["children"]
    [title, number, _] = tiles[0]["props"]["children"]
    assert title["props"]["children"] == "Programmes"
    return number["props"]["children"]


@pytest.mark.parametrize("command", ["demo-data", "import"])
def test_programmes_a_command_writes_show_in_the_next_view(
    runner, director, auth, command
):
    administrator = auth.make_user("administrator")
    for email in ("facilitator@school.example.org", "facilitator2@school.example.org"):
        auth.make_user("facilitator", email)
    before = programmes_tile(director)
    args = {
        "demo-data": ["plp", "demo-data", "--size", "12", "--seed", "3"],
        "import": ["plp", "import", str(SAMPLE), "--as", administrator.email],
    }[command]

    result = runner.invoke(args=args)

    assert result.exit_code == 0, result.output
    assert before == "0"
    assert programmes_tile(director) == str(count_programmes())


def count_programmes() -> int:
    """Count the programmes in the database."""
    return db.session.execute(select(func.count(Programme.id))).scalar_one()


def test_a_change_rolled_back_leaves_the_kept_view_in_use(director, school):
    overview_tiles(director)
    school.expense.amount = Decimal("999.00")
    db.session.flush()
    db.session.rollback()

    again = statements_of(director, figures_payload(OVERVIEW))

    assert len(again) == len(statements_of(director, CLICK)) + 1


def test_finance_shares_the_spending_figures_but_not_the_other_pages(
    app, director, auth, school
):
    overview_tiles(director)
    totals, _ = spending_seen(director)
    finance = SecondBrowser(app, auth, "finance")
    finance.call(lambda client: client.get("/dashboards/spending"))

    seen = finance.call(spending_seen)
    refused = finance.call(post_callback, figures_payload(OVERVIEW))

    assert seen[0] == totals
    assert refused.status_code == 403
    assert "EUR" not in refused.get_data(as_text=True)


def test_with_the_null_cache_every_view_runs_its_queries(database_url, school):
    uncached = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test secret",
            "CACHE_TYPE": "NullCache",
        }
    )
    with uncached.app_context():
        client = uncached.test_client()
        auth = Auth(client)
        auth.login_as(Role.DIRECTOR.value, "uncached.director@school.example.org")
        client.get("/dashboards/")
        first = statements_of(client, figures_payload(OVERVIEW))

        again = statements_of(client, figures_payload(OVERVIEW))

        assert len(again) == len(first) > len(statements_of(client, CLICK)) + 1
        # Nothing is kept, so no view reads the version it would be kept under.
        assert not [statement for statement in again if "records_version" in statement]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("cache_type", "redis_url", "refusal"),
    [
        ("Memcached", None, "PLP_CACHE_TYPE: Memcached is not a cache"),
        ("RedisCache", None, "PLP_CACHE_REDIS_URL: RedisCache needs"),
    ],
)
def test_a_cache_it_cannot_use_stops_start_up(
    monkeypatch, cache_type, redis_url, refusal
):
    monkeypatch.setenv("PLP_SECRET_KEY", "test secret")
    monkeypatch.setenv("PLP_CACHE_TYPE", cache_type)
    monkeypatch.delenv("PLP_CACHE_REDIS_URL", raising=False)

    with pytest.raises(ValueError, match=refusal):
        create_app({"TESTING": True})

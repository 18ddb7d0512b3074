"""The dashboards' benchmark times every callback against the SQL it runs."""

import pytest

from admin.extensions import db, limiter
from app import create_app
from benchmarks.dashboards import Callback, by_callback, cold_lines, measure, pooled
from dashboards import ids
from plp.demo import build_demo_school
from tests.conftest import empty_all_tables


@pytest.fixture
def school_app(database_url):
    """Yield an application on a demo School of three programmes.

    No application context stays pushed, so that each request has its own,
    as under a real server and as the benchmark runs.
    """
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test secret",
            "CACHE_TYPE": "NullCache",
        }
    )
    with app.app_context():
        build_demo_school(db.session, size=3)
        db.session.remove()
    yield app
    with app.app_context():
        with db.engine.begin() as connection:
            empty_all_tables(connection)
        db.engine.dispose()
    limiter.reset()


def registered_callbacks(app) -> set[str]:
    """Return the names of the callbacks the dashboards' Dash app registers."""
    dash_app = app.view_functions["/dashboards/_dash-dependencies"].__self__
    return {Callback(output, (), ()).name for output in dash_app.callback_map}


def test_the_benchmark_reports_every_callback_with_its_statements_and_ratio(
    school_app,
):
    timings = measure(school_app, repeat=1)

    callbacks = {name: pooled(group) for name, group in by_callback(timings).items()}
    assert set(callbacks) == registered_callbacks(school_app)
    assert {
        f"{ids.PAGE}.children +1",
        f"{ids.OVERVIEW_TILES}.children +2",
        f"{ids.PROGRESS_TIMELINE}.figure",
        f"{ids.SPENDING_CATEGORIES}.figure",
        f"{ids.MATCHING_POOL_REGIONS}.figure +1",
    } <= set(callbacks)
    for name, timing in callbacks.items():
        assert timing.statements > 0, name
        assert timing.ratio is not None and timing.ratio > 0, name
    table = "\n".join(cold_lines(timings))
    assert all(name in table for name in callbacks)
    assert all(view in table for view in ("no filter", "a period", "a status"))

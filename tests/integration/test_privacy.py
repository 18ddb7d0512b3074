"""What leaves the application besides its pages: logs and response headers."""

import logging

from admin.logs import QueryStringRedactor


def test_the_access_log_hides_what_was_searched_for():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        (
            "127.0.0.1",
            "03/Dec/2026 18:00:00",
            "GET /admin/mentor/?search=zdenka.liska@mentors.example.org HTTP/1.1",
            "200",
            "-",
        ),
        None,
    )

    QueryStringRedactor().filter(record)

    line = record.getMessage()
    assert "zdenka" not in line
    assert "GET /admin/mentor/?[query hidden] HTTP/1.1" in line


def test_the_access_log_hides_queries_in_coloured_lines_too():
    line = "\x1b[32mGET /admin/mentor/?search=Wainaina HTTP/1.1\x1b[0m"
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s %s', (line, "302", "-"), None
    )

    QueryStringRedactor().filter(record)

    assert "Wainaina" not in record.getMessage()


def test_the_access_log_keeps_lines_without_a_query_as_they_are():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s", ("GET /admin/ HTTP/1.1",), None
    )

    QueryStringRedactor().filter(record)

    assert record.getMessage() == "GET /admin/ HTTP/1.1"


def test_the_redactor_is_on_the_access_log_once_the_app_exists(app):
    filters = logging.getLogger("werkzeug").filters

    assert sum(isinstance(f, QueryStringRedactor) for f in filters) == 1


def test_pages_are_neither_framed_nor_cached(client, auth):
    auth.login_as("administrator")

    response = client.get("/admin/programme/")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_dashboard_data_is_not_cached_but_their_scripts_may_be(client, auth):
    auth.login_as("director")

    layout = client.get("/dashboards/_dash-layout")
    script = client.get("/dashboards/_dash-component-suites/dash/dcc/async-graph.js")

    assert layout.headers["Cache-Control"] == "no-store"
    assert script.status_code == 200
    assert "no-store" not in script.headers.get("Cache-Control", "")

"""A director reads every dashboard in a real browser, filters it and drills down.

Needs Playwright (requirements-dev.txt) and Debian's Chromium at
/usr/bin/chromium; without them the test is skipped and says why. A
screenshot of each page is kept in PLP_E2E_ARTEFACTS, or in the test's
temporary directory when that is not set.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from admin.extensions import db
from app import create_app
from plp.services.accounts import create_user
from tests.conftest import empty_all_tables
from tests.integration.factories import build_school, make_client, make_programme

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "a long test password"
PAGES = {
    "overview": ("/dashboards/", "Overview"),
    "progress": ("/dashboards/progress", "Progress against agendas"),
    "spending": ("/dashboards/spending", "Spending against budgets"),
    "matching": ("/dashboards/matching", "Matching throughput"),
}

pytestmark = pytest.mark.e2e

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed"
)
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture
def server(database_url):
    """Serve the application with a small School on a free port; yield its address."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "browser test secret",
            "PLP_LOGIN_RATE_LIMIT": "1000/minute",
        }
    )
    with app.app_context():
        for region in ("West Africa", "Eastern Europe"):
            school = build_school(db.session)
            school.client.region = region
            school.facilitator.name = f"Facilitator in {region}"
        make_programme(db.session, None, client=make_client(db.session))
        create_user(db.session, "director@school.example.org", "director", PASSWORD)
        db.session.commit()

    serving = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=serving.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{serving.server_port}"

    serving.shutdown()
    thread.join()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            empty_all_tables(connection)
        db.engine.dispose()


@pytest.fixture
def artefacts(tmp_path) -> Path:
    """Return the folder the screenshots go to."""
    folder = Path(os.environ.get("PLP_E2E_ARTEFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser_page():
    """Yield a Chromium page that records console errors and failed requests."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.problems = []

        def on_console(message):
            # Browsers ask every site for /favicon.ico; the panel serves none.
            if message.type == "error" and not message.location.get("url", "").endswith(
                "/favicon.ico"
            ):
                page.problems.append(f"{message.text} ({message.location})")

        def on_response(response):
            if response.status >= 400 and not response.url.endswith("/favicon.ico"):
                page.problems.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("response", on_response)
        yield page
        browser.close()


def _sign_in(page, server):
    page.goto(f"{server}/login")
    page.fill("input[name=email]", "director@school.example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    # A director starts at the dashboards.
    page.wait_for_url(f"{server}/dashboards/")


def _settle(page):
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("._dash-loading", state="detached")


def _choose(page, dropdown: str, option: str):
    page.click(f"#{dropdown}")
    page.get_by_role("option", name=option).click()
    page.keyboard.press("Escape")
    _settle(page)


def test_a_director_reads_filters_and_drills_into_every_dashboard(
    server, browser_page, artefacts
):
    page = browser_page
    _sign_in(page, server)

    for name, (path, heading) in PAGES.items():
        page.goto(server + path)
        _settle(page)
        assert page.get_by_role("heading", name=heading).is_visible()
        assert page.locator(".js-plotly-plot").count() >= 1
        page.screenshot(path=artefacts / f"{name}.png", full_page=True)

    page.goto(server + "/dashboards/progress")
    _settle(page)
    _choose(page, "filter-status", "active")
    page.wait_for_url("**/dashboards/progress?status=active")
    _choose(page, "filter-place", "Region: West Africa")
    page.wait_for_url(re.compile(r"region=West\+Africa"))
    _choose(page, "filter-facilitator", "Facilitator in West Africa")
    page.wait_for_url(re.compile(r"facilitator=\d+"))
    page.fill("#filter-period-start", "2026-01-01")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    _settle(page)
    page.wait_for_url(re.compile(r"from=2026-01-01"))

    page.click("#progress-programme")
    page.get_by_role("option").first.click()
    _settle(page)
    sync_api.expect(page.locator("#progress-timeline .gtitle")).to_contain_text(
        "agenda planned against actual"
    )
    page.screenshot(path=artefacts / "progress-drill-down.png", full_page=True)

    page.get_by_role("link", name="Spending against budgets").click()
    _settle(page)
    page.wait_for_url(re.compile(r"spending\?.*region=West\+Africa"))
    sync_api.expect(page.locator("#spending-totals")).to_contain_text("EUR 1,100.00")
    page.screenshot(path=artefacts / "spending-filtered.png", full_page=True)

    assert page.problems == []

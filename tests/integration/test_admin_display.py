"""How the panel shows records: labels, pickers, money, words and the sign-in page."""

import re

import pytest

from admin.extensions import db
from tests.integration import factories
from tests.integration.factories import build_school, form_data, options_of

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _text(page: str) -> str:
    """Return a page's words, tags removed and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_need_and_line_pickers_name_their_programme_in_reference_order(client, auth):
    auth.login_as("administrator")
    schools = sorted(
        (build_school(db.session) for _ in range(2)),
        key=lambda school: school.programme.reference,
    )

    page = _page(client, "/admin/agenda_item/new/")

    references = [school.programme.reference for school in schools]
    assert options_of(page, "need") == [
        f"{reference} · Public speaking (high)" for reference in references
    ]
    assert options_of(page, "budget_line") == [
        f"{reference} · mentoring: Line 1 (1,000.00 EUR)" for reference in references
    ]


def test_programme_pickers_are_in_reference_order(client, auth):
    auth.login_as("administrator")
    references = [build_school(db.session).programme.reference for _ in range(3)]

    page = _page(client, "/admin/check_in/new/")

    assert options_of(page, "programme") == sorted(references)


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("agenda_item", "agenda"),
        ("check_in", "programme"),
        ("expense", "programme"),
        ("budget_revision", "budget"),
    ],
)
def test_required_pickers_start_blank_on_a_new_record(client, auth, endpoint, field):
    auth.login_as("administrator")
    build_school(db.session)

    page = _page(client, f"/admin/{endpoint}/new/")

    assert "choose…" in page
    assert form_data(page)[field] == "__None"


def test_a_new_record_without_its_required_parent_is_refused(client, auth):
    auth.login_as("administrator")
    build_school(db.session)
    page = _page(client, "/admin/check_in/new/")

    response = client.post(
        "/admin/check_in/new/",
        data=form_data(page, held_on="2026-06-01", rating="on track"),
    )

    assert "Programme: A value is required." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "endpoint",
    [
        "expense",
        "funding_application",
        "agreement",
        "seminar_enrolment",
        "budget",
        "budget_revision",
        "agenda_item",
    ],
)
def test_money_is_shown_with_its_currency(client, auth, endpoint):
    auth.login_as("administrator")
    school = build_school(db.session)
    record = {
        "expense": school.expense,
        "funding_application": school.funding,
        "agreement": school.agreement,
        "seminar_enrolment": school.enrolment,
        "budget": school.budget,
        "budget_revision": school.revision,
        "agenda_item": school.item,
    }[endpoint]

    listing = _text(_page(client, f"/admin/{endpoint}/"))
    details = _text(_page(client, f"/admin/{endpoint}/details/?id={record.id}"))
    exported = client.get(f"/admin/{endpoint}/export/csv/").get_data(as_text=True)

    assert " Currency " in listing
    assert " Currency " in details
    assert "Currency" in exported.splitlines()[0]


def test_budget_details_list_lines_and_revisions_with_amounts(client, auth):
    auth.login_as("finance")
    school = build_school(db.session)

    details = _text(_page(client, f"/admin/budget/details/?id={school.budget.id}"))

    assert "mentoring: Line 1 (1,000.00 EUR)" in details
    assert "+100.00 EUR on 2026-03-01" in details


def test_revisions_are_found_and_sorted_by_their_programmes_reference(client, auth):
    auth.login_as("finance")
    schools = sorted(
        (build_school(db.session) for _ in range(3)),
        key=lambda school: school.programme.reference,
    )
    wanted = schools[1].programme.reference

    found = _text(_page(client, f"/admin/budget_revision/?search={wanted}"))
    ordered = _text(_page(client, "/admin/budget_revision/?sort=0&desc=1"))

    assert [r for r in (s.programme.reference for s in schools) if r in found] == [
        wanted
    ]
    positions = [ordered.index(school.programme.reference) for school in schools]
    assert positions == sorted(positions, reverse=True)


def test_statuses_are_shown_capitalised(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)

    listing = _text(_page(client, "/admin/programme/"))
    details = _text(_page(client, f"/admin/match/details/?id={school.match.id}"))

    assert " Active " in listing
    assert " Agreed " in details


def test_yes_or_no_values_are_words_in_details(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    school.mentor.do_not_approach = True
    db.session.commit()

    details = _text(_page(client, f"/admin/mentor/details/?id={school.mentor.id}"))

    assert re.search(r"Do Not Approach Yes\b", details, re.I)


@pytest.mark.parametrize("endpoint", ["programme", "match", "agreement", "expense"])
def test_the_search_box_says_what_it_searches_in_words(client, auth, endpoint):
    auth.login_as("administrator")

    page = _page(client, f"/admin/{endpoint}/")

    placeholder = re.search(r'name="search"[^>]*placeholder="([^"]*)"', page)
    if placeholder is None:
        placeholder = re.search(r'placeholder="([^"]*)"[^>]*name="search"', page)
    assert placeholder.group(1).startswith("Search by ")
    assert "." not in placeholder.group(1)
    assert "_" not in placeholder.group(1)


def test_agreement_details_show_sessions_readably(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)

    details = _text(
        _page(client, f"/admin/agreement/details/?id={school.agreement.id}")
    )

    assert "object at 0x" not in details
    assert str(school.mentoring_session.held_on) in details


def test_programme_details_hide_an_empty_hold_and_link_its_records(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    reference = school.programme.reference

    page = _page(client, f"/admin/programme/details/?id={school.programme.id}")

    assert "Status before hold" not in page
    for endpoint in ("budget", "learning_agenda", "match"):
        assert f'href="/admin/{endpoint}/?search={reference}"' in page


def test_the_sign_in_page_background_fills_the_window(client):
    page = _page(client, "/login")

    assert re.search(r'<html[^>]*class="[^"]*bg-light[^"]*h-100', page)
    assert re.search(r'<body[^>]*class="[^"]*min-vh-100', page)


def test_the_programme_search_box_names_what_staff_search_by(client, auth):
    auth.login_as("administrator")

    page = _page(client, "/admin/programme/")

    assert 'placeholder="Search by reference, campaign or client"' in page

"""Nothing that names a mentor reaches staff who may not see it, on any page.

Facilitators, finance officers and directors walk every admin page they can
reach: lists, searches, details and edit forms of every record, new-record
forms, CSV and Excel exports and the related-record lookups. None of them
may show a mentor's name, e-mail, phone or any other part of their identity.
"""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from admin.extensions import db
from tests.integration import factories
from tests.integration.factories import (
    MENTOR_IDENTITY,
    build_school,
    make_mentor,
)

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app

# A second member of the pool, matched with nobody.
UNMATCHED_IDENTITY = {
    "name": "Bartholomew Zindelwick",
    "email": "b.zindelwick@mentors.example.org",
    "phone": "+27 82 555 0199",
    "employer_or_party": "Zindelwick Alliance",
    "biography": "Organiser in Zindelwick township",
}

IDENTITIES = [*MENTOR_IDENTITY.values(), *UNMATCHED_IDENTITY.values()]

# Typed into searches and lookups, as someone fishing for a mentor would.
FISHING = ["Quargstone", "4477", "Zindelwick"]


@pytest.fixture
def walk(app, client, auth):
    """Sign a role in with a School around it; return every page it can reach."""

    def walk_as(role: str) -> dict[str, str]:
        user = auth.login_as(role)
        mentor = make_mentor(db.session, **MENTOR_IDENTITY)
        make_mentor(db.session, **UNMATCHED_IDENTITY)
        build_school(db.session, user if role == "facilitator" else None, mentor)
        return _reachable_pages(app, client)

    return walk_as


def _reachable_pages(app, client) -> dict[str, str]:
    pages = {}
    for view in app.extensions["admin"][0]._views:
        base = f"/admin/{view.endpoint}/"
        if not hasattr(view, "model") or client.get(base).status_code != 200:
            continue
        for url in _urls_of(view, base):
            pages[url] = _content(client.get(url))
    return pages


def _urls_of(view, base: str) -> list[str]:
    ids = db.session.execute(db.select(view.model.id)).scalars().all()
    urls = [base, f"{base}new/", f"{base}export/csv/", f"{base}export/xlsx/"]
    urls += [f"{base}?search={term}" for term in FISHING]
    urls += [f"{base}details/?id={record_id}" for record_id in ids]
    urls += [f"{base}edit/?id={record_id}" for record_id in ids]
    urls += [
        f"{base}ajax/lookup/?name={name}&query={term}&limit=1000"
        for name in view._form_ajax_refs
        for term in ["", *FISHING]
    ]
    return urls


def _content(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        sheet = load_workbook(BytesIO(response.get_data())).active
        return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    return response.get_data().decode("utf-8", "replace")


def _leaks(pages: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (url, identity)
        for url, content in pages.items()
        for identity in IDENTITIES
        if identity.lower() in content.lower()
    ]


@pytest.mark.parametrize("role", ["facilitator", "finance", "director"])
def test_no_page_a_role_can_reach_names_a_mentor(walk, role):
    pages = walk(role)

    assert len(pages) >= 10
    assert _leaks(pages) == []


def test_the_walk_would_see_a_mentor_named_on_a_page(walk):
    pages = walk("coordinator")

    assert ("/admin/mentor/", MENTOR_IDENTITY["name"]) in _leaks(pages)


@pytest.mark.parametrize("endpoint", ["mentor_profile", "match", "agreement"])
def test_searching_by_a_mentors_name_finds_nothing(client, auth, endpoint):
    user = auth.login_as("facilitator")
    mentor = make_mentor(db.session, **MENTOR_IDENTITY)
    build_school(db.session, user, mentor)

    found = client.get(f"/admin/{endpoint}/?search=Quargstone").get_data(as_text=True)
    everyone = client.get(f"/admin/{endpoint}/").get_data(as_text=True)

    assert mentor.alias_code in everyone
    assert mentor.alias_code not in found

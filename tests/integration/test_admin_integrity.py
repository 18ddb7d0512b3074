"""What editing must never change, and addresses no record can have."""

import re

import pytest

from admin.extensions import db
from plp.enums import Role
from plp.models import Programme
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import build_school, form_data, make_user, options_of

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app

# Each edit page, the School's record it edits and the link to its parent.
PARENT_LINKS = [
    ("budget", "budget", "programme"),
    ("needs_assessment", "assessment", "programme"),
    ("learning_agenda", "agenda", "programme"),
    ("agenda_item", "item", "agenda"),
    ("progress_update", "progress", "item"),
    ("match", "match", "programme"),
    ("check_in", "check_in", "programme"),
    ("expense", "expense", "programme"),
    ("funding_application", "funding", "programme"),
    ("seminar_enrolment", "enrolment", "programme"),
    ("seminar_interest", "interest", "programme"),
]


def _has_select(page: str, name: str) -> bool:
    return re.search(rf'<select[^>]*name="{name}"', page) is not None


@pytest.mark.parametrize(("endpoint", "record", "parent"), PARENT_LINKS)
def test_editing_a_record_never_moves_it_to_another_parent(
    client, auth, endpoint, record, parent
):
    auth.login_as("administrator")
    school = build_school(db.session)
    other = build_school(db.session)
    saved = getattr(school, record)
    parent_before = getattr(saved, parent)
    other_parent_id = getattr(other, record).__getattribute__(parent).id
    url = f"/admin/{endpoint}/edit/?id={saved.id}"
    page = client.get(url).get_data(as_text=True)

    client.post(url, data=form_data(page, **{parent: str(other_parent_id)}))

    db.session.expire_all()
    assert not _has_select(page, parent)
    assert getattr(db.session.get(type(saved), saved.id), parent) == parent_before


def test_a_new_budget_still_chooses_its_programme(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)

    page = client.get("/admin/budget/new/").get_data(as_text=True)

    assert school.programme.reference in " ".join(options_of(page, "programme"))


def test_a_facilitators_new_programme_is_theirs_whatever_is_posted(client, auth):
    me = auth.login_as("facilitator")
    colleague = make_user(db.session, Role.FACILITATOR)
    client_record = factories.make_client(db.session)
    db.session.commit()
    page = client.get("/admin/programme/new/").get_data(as_text=True)
    data = form_data(
        page,
        client=str(client_record.id),
        facilitator=str(colleague.id),
        start_date="2026-05-01",
        currency="EUR",
    )
    data.add("facilitator", str(colleague.id))

    client.post("/admin/programme/new/", data=data)

    programme = db.session.query(Programme).filter_by(client_id=client_record.id).one()
    assert not _has_select(page, "facilitator")
    assert programme.facilitator == me


@pytest.mark.parametrize("posted", ["colleague", ""])
def test_a_facilitator_cannot_hand_a_programme_on_or_leave_it_without_one(
    client, auth, posted
):
    me = auth.login_as("facilitator")
    colleague = make_user(db.session, Role.FACILITATOR)
    school = build_school(db.session, me)
    url = f"/admin/programme/edit/?id={school.programme.id}"
    page = client.get(url).get_data(as_text=True)
    data = form_data(page, campaign="Renamed campaign")
    data.add("facilitator", str(colleague.id) if posted else "__None")

    client.post(url, data=data)

    db.session.expire_all()
    programme = db.session.get(Programme, school.programme.id)
    assert not _has_select(page, "facilitator")
    assert programme.campaign == "Renamed campaign"
    assert programme.facilitator == me


def test_an_administrator_still_assigns_active_facilitators(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    make_user(db.session, Role.FACILITATOR, name="Retired Facilitator", active=False)
    make_user(db.session, Role.FINANCE, name="Finance Officer")
    db.session.commit()

    offered = options_of(
        client.get("/admin/programme/new/").get_data(as_text=True), "facilitator"
    )

    assert school.facilitator.name in offered
    assert "Retired Facilitator" not in offered
    assert "Finance Officer" not in offered


@pytest.mark.parametrize(
    "url",
    [
        "/admin/programme/?page=99999999999999999999",
        "/admin/expense/?page=99999999999999999999",
        "/admin/programme/?page=-3",
        "/admin/programme/?page_size=99999999999999999999",
        "/admin/programme/details/?id=99999999999999999999999",
        "/admin/budget/edit/?id=99999999999999999999999",
    ],
)
def test_an_impossible_page_or_record_is_not_found(client, auth, url):
    auth.login_as("administrator")
    build_school(db.session)

    response = client.get(url)

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "Record does not exist" in client.get(
            response.headers["Location"]
        ).get_data(as_text=True)


def test_an_action_on_a_row_that_cannot_exist_says_so(client, auth):
    auth.login_as("administrator")
    build_school(db.session)
    token = csrf_token(client, "/admin/programme/")

    response = client.post(
        "/admin/programme/action/",
        data={"csrf_token": token, "action": "withdraw", "rowid": "abc"},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "&#39;abc&#39; is not a record of this list" in response.get_data(
        as_text=True
    )


TOO_LARGE = "99999999999"


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/admin/find_candidates/", {"programme": TOO_LARGE}),
        ("/admin/find_candidates/add/", {"candidate": TOO_LARGE}),
        ("/admin/match/step/", {"id": TOO_LARGE, "step": "propose"}),
        ("/admin/match/action/", {"action": "propose", "rowid": TOO_LARGE}),
    ],
)
def test_a_hand_made_post_naming_a_row_too_large_to_exist_changes_nothing(
    client, auth, url, fields
):
    auth.login_as("administrator")
    school = build_school(db.session)
    token = csrf_token(client, "/admin/find_candidates/")

    response = client.post(url, data={"csrf_token": token, **fields})

    assert response.status_code in (200, 302, 400, 404)
    db.session.expire_all()
    assert db.session.get(type(school.match), school.match.id).state == "agreed"


def test_a_whole_number_too_large_to_store_is_refused_on_the_form(client, auth):
    auth.login_as("administrator")
    school = build_school(db.session)
    capacity_before = school.mentor.capacity
    url = f"/admin/mentor/edit/?id={school.mentor.id}"
    data = form_data(client.get(url).get_data(as_text=True), capacity=TOO_LARGE)

    response = client.post(url, data=data, follow_redirects=True)

    assert response.status_code == 200
    assert "Capacity: 99,999,999,999 is too large; give at most 2,147,483,647" in (
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(type(school.mentor), school.mentor.id).capacity == (
        capacity_before
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/progress_update/?flt0_2=9223372036854775808",
        "/admin/audit_event/?flt0_9=9223372036854775808",
        "/admin/mentor/?flt0_0=99999999999",
        "/admin/match/ajax/lookup/?name=mentor&query=&offset=99999999999999999999",
    ],
)
def test_a_number_too_large_in_a_filter_or_lookup_is_no_server_error(client, auth, url):
    auth.login_as("administrator")
    build_school(db.session)

    response = client.get(url)

    assert response.status_code in (200, 302, 400, 404)

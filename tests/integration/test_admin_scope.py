"""A facilitator works only on their own programmes, whichever way they ask."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook

from admin.extensions import db
from plp.models import AgendaItem, CheckIn, Programme
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import (
    build_school,
    form_data,
    make_client,
    make_mentor,
    options_of,
)

# One application for the module and an empty database for each test (see the
# factories module).
panel = factories.panel
app = factories.app


@pytest.fixture
def schools(auth):
    """Sign a facilitator in; return their School and a colleague's."""
    me = auth.login_as("facilitator")
    mine = build_school(db.session, me)
    theirs = build_school(db.session)
    theirs.need.area = "Fundraising"
    theirs.client.name = "Colleague's Client"
    db.session.commit()
    return mine, theirs


def _text(client, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    return response.get_data().decode("utf-8", "replace")


def _xlsx_text(client, url: str) -> str:
    sheet = load_workbook(BytesIO(client.get(url).get_data())).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)


def test_the_programme_list_shows_only_the_facilitators_own(client, schools):
    mine, theirs = schools

    page = _text(client, "/admin/programme/")

    assert mine.programme.reference in page
    assert theirs.programme.reference not in page


@pytest.mark.parametrize(
    ("endpoint", "record"),
    [
        ("programme", "programme"),
        ("client", "client"),
        ("agenda_item", "item"),
        ("match", "match"),
        ("check_in", "check_in"),
    ],
)
def test_a_colleagues_record_cannot_be_opened_by_its_id(
    client, schools, endpoint, record
):
    _, theirs = schools
    record_id = getattr(theirs, record).id

    pages = [
        _text(client, f"/admin/{endpoint}/details/?id={record_id}"),
        _text(client, f"/admin/{endpoint}/edit/?id={record_id}"),
    ]

    assert all("Record does not exist" in page for page in pages)
    assert not any(theirs.programme.reference in page for page in pages)
    assert not any("Colleague&#39;s Client" in page for page in pages)


def test_a_colleagues_programme_cannot_be_changed_or_deleted_by_its_id(client, schools):
    _, theirs = schools
    programme_id = theirs.programme.id
    token = csrf_token(client, "/admin/")

    client.post(
        f"/admin/programme/edit/?id={programme_id}",
        data={"campaign": "Taken over", "seen_version": "1", "csrf_token": token},
    )
    client.post(
        "/admin/programme/delete/", data={"id": programme_id, "csrf_token": token}
    )
    client.post(
        "/admin/programme/action/",
        data={"action": "withdraw", "rowid": programme_id, "csrf_token": token},
    )

    db.session.expire_all()
    programme = db.session.get(Programme, programme_id)
    assert (programme.campaign, programme.status) == ("Mayoral race", "active")


def test_a_colleagues_agenda_item_cannot_be_edited_inline(client, schools):
    _, theirs = schools
    token = csrf_token(client, "/admin/")

    response = client.post(
        "/admin/agenda_item/ajax/update/",
        data={
            "list_form_pk": theirs.item.id,
            "percent_done": "90",
            "csrf_token": token,
        },
    )

    assert "Record does not exist" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AgendaItem, theirs.item.id).percent_done == 0


@pytest.mark.parametrize("endpoint", ["programme", "agenda_item", "expense", "match"])
def test_exports_hold_only_the_facilitators_own_rows(client, schools, endpoint):
    mine, theirs = schools

    csv = _text(client, f"/admin/{endpoint}/export/csv/")
    xlsx = _xlsx_text(client, f"/admin/{endpoint}/export/xlsx/")

    assert mine.programme.reference in csv and mine.programme.reference in xlsx
    assert theirs.programme.reference not in csv + xlsx


def test_pickers_offer_only_the_facilitators_own_records(client, schools):
    mine, _ = schools

    check_in = _text(client, "/admin/check_in/new/")
    agenda_item = _text(client, "/admin/agenda_item/new/")
    agenda = _text(client, f"/admin/learning_agenda/edit/?id={mine.agenda.id}")

    assert options_of(check_in, "programme") == [mine.programme.reference]
    assert options_of(agenda_item, "agenda") == [mine.agenda.title]
    assert options_of(agenda_item, "need") == [
        f"{mine.programme.reference} · Public speaking (high)"
    ]
    # The hidden row a browser copies to add an item offers the same needs.
    assert "Fundraising" not in agenda


def test_a_colleagues_programme_posted_into_a_form_is_refused(client, schools):
    _, theirs = schools
    page = _text(client, "/admin/check_in/new/")

    data = form_data(
        page,
        programme=str(theirs.programme.id),
        held_on="2026-06-01",
        rating="on track",
    )
    response = client.post("/admin/check_in/new/", data=data)

    assert "Programme: choose one of the options offered" in (
        response.get_data(as_text=True)
    )
    count = db.session.execute(db.select(db.func.count(CheckIn.id))).scalar()
    assert count == 2


def test_a_facilitator_sees_their_own_clients_and_new_enquirers(client, schools):
    mine, _ = schools
    enquirer = make_client(db.session, name="Newly Enquiring")
    db.session.commit()

    page = _text(client, "/admin/client/")

    assert mine.client.name in page
    assert enquirer.name in page
    assert "Colleague&#39;s Client" not in page


def test_the_mentor_lookup_finds_alias_codes_and_leaves_out_do_not_approach(
    client, schools
):
    mine, _ = schools
    shy = make_mentor(db.session, do_not_approach=True)
    db.session.commit()

    response = client.get("/admin/match/ajax/lookup/?name=mentor&query=M-")

    found = [label for _, label in json.loads(response.get_data(as_text=True))]
    assert mine.mentor.alias_code in found
    assert shy.alias_code not in found
    assert all(label.startswith("M-") for label in found)

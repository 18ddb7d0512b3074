"""The printable documents of an introduction, and the disclosed introductions page.

Who may open which document for which match, what each shows, and that a
mentor's identity reaches a facilitator only once disclosed in their own
programme.
"""

import re
from io import BytesIO

import pytest
from flask import current_app, url_for
from openpyxl import load_workbook
from sqlalchemy import event

from admin.extensions import db
from admin.views.introductions import IntroductionView
from plp.enums import ConsentSide, MatchState, Priority, Role
from plp.models import Match, Need, NeedsAssessment
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import (
    make_client,
    make_match_at,
    make_mentor,
    make_programme,
    make_user,
)

panel = factories.panel
app = factories.app

DISCLOSED_MENTOR = {
    "name": "Rosalind Okonkwo-Vale",
    "email": "r.okonkwo-vale@pool.example.net",
    "phone": "+44 20 7946 0311",
    "country": "United Kingdom",
    "employer_or_party": "Vale Civic Forum",
}
PROPOSED_MENTOR = {
    "name": "Teodor Lindqvist-Marsh",
    "email": "t.lindqvist-marsh@pool.example.net",
    "phone": "+46 8 555 0192",
}
ELSEWHERE_MENTOR = {
    "name": "Ines Carvalho-Brandt",
    "email": "i.carvalho-brandt@pool.example.net",
    "phone": "+351 21 555 0174",
}
CLIENT = {
    "name": "Amara Nwosu-Ike",
    "email": "amara@example.org",
    "campaign": "Enugu North council seat",
    "aims_summary": "Win a council seat on a transparency platform",
    "region": "West Africa",
}

DOCUMENTS = ("mentor_profile", "client_brief", "introduction_letter")


@pytest.fixture
def school(app, auth):
    """Return the matches of a facilitator's programme and of another's."""
    facilitator = auth.make_user("facilitator")
    other = make_user(db.session, Role.FACILITATOR)
    programme = make_programme(
        db.session, facilitator, client=make_client(db.session, **CLIENT)
    )
    need = Need(area="media", priority=Priority.HIGH, description="Enugu radio")
    db.session.add(NeedsAssessment(programme=programme, needs=[need]))
    elsewhere = make_programme(db.session, other)
    matches = {
        "disclosed": make_match_at(
            db.session,
            programme,
            make_mentor(db.session, **DISCLOSED_MENTOR),
            MatchState.DISCLOSED,
            need=need,
        ),
        "proposed": make_match_at(
            db.session,
            programme,
            make_mentor(db.session, **PROPOSED_MENTOR),
            MatchState.PROPOSED,
            consenting=(ConsentSide.CLIENT,),
        ),
        "elsewhere": make_match_at(
            db.session,
            elsewhere,
            make_mentor(db.session, **ELSEWHERE_MENTOR),
            MatchState.AGREED,
        ),
    }
    db.session.commit()
    return {name: match.id for name, match in matches.items()}


def _sign_in(auth, role: str):
    if role == "facilitator":
        response = auth.login("facilitator@school.example.org")
        assert response.status_code == 302
        return
    auth.login_as(role)


def _url(document: str, match_id) -> str:
    with current_app.test_request_context():
        return url_for(f"documents.{document}", match_id=match_id)


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_documents_have_the_endpoints_the_match_page_links_to(app, school):
    urls = [_url(document, school["proposed"]) for document in DOCUMENTS]

    assert urls == [
        f"/admin/documents/mentor-profile/{school['proposed']}/",
        f"/admin/documents/client-brief/{school['proposed']}/",
        f"/admin/documents/introduction-letter/{school['proposed']}/",
    ]


def test_the_profile_shows_the_mentor_by_alias_with_the_schools_heading(
    client, auth, school
):
    _sign_in(auth, "facilitator")

    page = _text(client.get(_url("mentor_profile", school["proposed"])))

    reference = re.search(r'id="document-reference">([^<]+)<', page).group(1)
    assert re.fullmatch(r"PLP-[A-Z0-9]{4}-[A-Z0-9]{4}-\d{4}-MP", reference)
    assert "Democracy School" in page
    assert "@media print" in page
    assert re.search(r'id="document-prepared">\d{2} \w+ \d{4}<', page)
    for value in PROPOSED_MENTOR.values():
        assert value not in page


def test_the_brief_shows_the_clients_aims_and_needs_without_naming_them(
    client, auth, school
):
    _sign_in(auth, "facilitator")

    page = _text(client.get(_url("client_brief", school["disclosed"])))

    assert CLIENT["aims_summary"] in page
    assert re.search(r"<td>media</td><td>High</td>", page)
    for leaked in (CLIENT["name"], CLIENT["email"], "Enugu"):
        assert leaked not in page


def test_the_letter_of_a_disclosed_match_names_both_sides(client, auth, school):
    _sign_in(auth, "facilitator")

    response = client.get(_url("introduction_letter", school["disclosed"]))

    page = _text(response)
    assert response.status_code == 200
    for value in DISCLOSED_MENTOR.values():
        assert value in page
    assert CLIENT["name"] in page
    assert "10 March 2026" in page


def test_the_letter_is_signed_with_the_schools_configured_name(
    app, client, auth, school
):
    app.config["PLP_SCHOOL_NAME"] = "Escola de Democracia"
    _sign_in(auth, "facilitator")

    page = _text(client.get(_url("introduction_letter", school["disclosed"])))

    assert "Escola de Democracia" in page
    assert "Democracy School" not in page


def test_the_letter_of_an_undisclosed_match_is_refused_by_alias(client, auth, school):
    _sign_in(auth, "facilitator")

    response = client.get(_url("introduction_letter", school["proposed"]))

    page = _text(response)
    assert response.status_code == 409
    assert "it is proposed, and names are disclosed only once both sides" in page
    for value in PROPOSED_MENTOR.values():
        assert value not in page


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_facilitator_finds_nothing_of_another_facilitators_match(
    client, auth, school, document
):
    _sign_in(auth, "facilitator")

    response = client.get(_url(document, school["elsewhere"]))

    assert response.status_code == 404
    assert ELSEWHERE_MENTOR["name"] not in _text(response)


@pytest.mark.parametrize("match_id", ["999999", "1234567890123", "abc", "-1"])
def test_an_id_that_is_no_match_is_not_found(client, auth, school, match_id):
    _sign_in(auth, "administrator")

    statuses = {
        document: client.get(f"/admin/documents/{page}/{match_id}/").status_code
        for document, page in zip(
            DOCUMENTS,
            ("mentor-profile", "client-brief", "introduction-letter"),
            strict=True,
        )
    }

    assert statuses == dict.fromkeys(DOCUMENTS, 404)


@pytest.mark.parametrize("role", ["director", "finance"])
def test_directors_and_finance_open_no_document(client, auth, school, role):
    _sign_in(auth, role)

    statuses = {
        client.get(_url(document, match_id)).status_code
        for document in DOCUMENTS
        for match_id in school.values()
    }

    assert statuses == {403}


@pytest.mark.parametrize("role", ["administrator", "coordinator"])
def test_administrators_and_coordinators_print_every_programmes_documents(
    client, auth, school, role
):
    _sign_in(auth, role)

    statuses = [
        client.get(_url(document, school["elsewhere"])).status_code
        for document in DOCUMENTS
    ]
    letter = _text(client.get(_url("introduction_letter", school["elsewhere"])))

    assert statuses == [200, 200, 200]
    assert ELSEWHERE_MENTOR["name"] in letter


def test_a_signed_out_visitor_is_sent_to_sign_in(client, school):
    response = client.get(f"/admin/documents/mentor-profile/{school['proposed']}/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# The disclosed introductions page


def test_a_facilitator_sees_the_contacts_of_mentors_disclosed_to_them_only(
    client, auth, school
):
    _sign_in(auth, "facilitator")

    page = _text(client.get("/admin/introduction/"))

    for value in DISCLOSED_MENTOR.values():
        assert value in page
    for value in (*PROPOSED_MENTOR.values(), *ELSEWHERE_MENTOR.values()):
        assert value not in page


def test_an_undisclosed_match_has_no_introduction_record(client, auth, school):
    _sign_in(auth, "facilitator")

    shown = client.get(f"/admin/introduction/details/?id={school['disclosed']}")
    hidden = client.get(
        f"/admin/introduction/details/?id={school['proposed']}", follow_redirects=True
    )

    assert DISCLOSED_MENTOR["email"] in _text(shown)
    assert "Record does not exist" in _text(hidden)
    assert PROPOSED_MENTOR["email"] not in _text(hidden)


def test_the_identity_cells_hold_even_if_the_list_let_an_undisclosed_match_in(
    client, auth, school, monkeypatch
):
    monkeypatch.setattr(IntroductionView, "narrow", lambda view, query: query)
    _sign_in(auth, "facilitator")

    page = _text(client.get("/admin/introduction/"))

    assert "Not disclosed to you" in page
    assert DISCLOSED_MENTOR["name"] in page
    for value in PROPOSED_MENTOR.values():
        assert value not in page


def _export_text(response) -> str:
    if response.mimetype == "text/csv":
        return response.get_data(as_text=True)
    sheet = load_workbook(BytesIO(response.get_data())).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("export_type", ["csv", "xlsx"])
def test_an_export_holds_the_contacts_of_mentors_disclosed_to_the_user_only(
    client, auth, school, export_type, monkeypatch
):
    monkeypatch.setattr(IntroductionView, "narrow", lambda view, query: query)
    _sign_in(auth, "facilitator")

    response = client.get(f"/admin/introduction/export/{export_type}/")

    exported = _export_text(response)
    assert response.status_code == 200
    assert DISCLOSED_MENTOR["email"] in exported
    assert "Not disclosed to you" in exported
    assert "<em>" not in exported
    for value in PROPOSED_MENTOR.values():
        assert value not in exported


def test_the_introductions_are_read_only(client, auth, school):
    _sign_in(auth, "administrator")
    data = {
        "id": school["disclosed"],
        "rowid": school["disclosed"],
        "action": "delete",
        "csrf_token": csrf_token(client, "/admin/"),
    }

    statuses = {
        page: client.post(f"/admin/introduction/{page}", data=data).status_code
        for page in ("new/", f"edit/?id={school['disclosed']}", "delete/", "action/")
    }

    assert set(statuses.values()) == {403}


@pytest.mark.parametrize("role", ["director", "finance"])
def test_directors_and_finance_have_no_introductions_page(client, auth, school, role):
    _sign_in(auth, role)

    assert client.get("/admin/introduction/").status_code == 403


def _statements_for(client, url: str) -> int:
    statements = []

    def count(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_list_asks_the_database_as_often_for_six_rows_as_for_one(
    client, auth, school
):
    _sign_in(auth, "facilitator")
    one_row = _statements_for(client, "/admin/introduction/")
    programme = db.session.get(Match, school["disclosed"]).programme
    for number in range(5):
        mentor = make_mentor(db.session, name=f"Extra Disclosed{number}")
        make_match_at(db.session, programme, mentor, MatchState.INTERVIEW)
    db.session.commit()
    # The commit expired the signed-in account; reading it again is no row's cost.
    client.get("/admin/")

    six_rows = _statements_for(client, "/admin/introduction/")

    page = _text(client.get("/admin/introduction/"))
    assert page.count("Extra Disclosed") == 5
    assert six_rows == one_row

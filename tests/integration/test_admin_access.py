"""Who may open each admin view, and what each role's menu offers.

Every test here only reads, or is refused before anything is written, so one
application and one School serve them all and the whole matrix stays fast.
"""

import re

import pytest

from admin.extensions import db, limiter
from plp.enums import ConsentSide, Role
from plp.services.accounts import create_user
from tests.conftest import empty_all_tables
from tests.integration import factories
from tests.integration.conftest import PASSWORD, csrf_token
from tests.integration.factories import build_school

ROLES = {
    "a": Role.ADMINISTRATOR,
    "f": Role.FACILITATOR,
    "c": Role.COORDINATOR,
    "d": Role.DIRECTOR,
    "n": Role.FINANCE,
}

# endpoint: (may open it, may create, may edit), by role letter as in ROLES.
ACCESS = {
    "client": ("af", "af", "af"),
    "programme": ("afn", "af", "af"),
    "check_in": ("af", "af", "af"),
    "needs_assessment": ("af", "af", "af"),
    "learning_agenda": ("af", "af", "af"),
    "agenda_item": ("af", "af", "af"),
    "progress_update": ("af", "af", "af"),
    "mentor": ("ac", "ac", "ac"),
    "mentor_profile": ("af", "", ""),
    "match": ("afc", "af", "af"),
    "introduction": ("afc", "", ""),
    "consent": ("afc", "", ""),
    "agreement": ("afcn", "", "af"),
    "budget": ("afn", "afn", "afn"),
    "budget_revision": ("afn", "an", ""),
    "expense": ("afn", "an", "an"),
    "funding_application": ("afn", "afn", "afn"),
    "exchange_rate": ("adn", "an", "an"),
    "seminar": ("afcdn", "a", "a"),
    "seminar_enrolment": ("afn", "af", "af"),
    "seminar_interest": ("af", "af", "af"),
    "user": ("a", "a", "a"),
    "audit_event": ("a", "", ""),
}

# Records that nobody deletes through the panel: accounts are deactivated and
# agreements ended early.
UNDELETABLE = {"user", "agreement"}

# Pages outside the record views that a role's menu also lists.
OTHER_PAGES = {Role.ADMINISTRATOR: {"import"}}
# Finding candidates and the shortlists it writes (their own tests check them).
OTHER_PAGES[Role.ADMINISTRATOR] |= {"find_candidates", "shortlist", "matching_weights"}
OTHER_PAGES[Role.FACILITATOR] = {"find_candidates", "shortlist"}

CASES = [(endpoint, role) for endpoint in ACCESS for role in ROLES.values()]

# One application for the whole module (see the factories module).
panel = factories.panel


@pytest.fixture(scope="module")
def school(panel):
    """Build one School and an account for every role; return what tests need.

    The facilitator's account runs the School's programme. Only ids and
    e-mails leave this fixture: each test opens its own application context.
    The database is emptied when the module is done.
    """
    with panel.app_context():
        accounts = {
            role: create_user(
                db.session, f"{role.value}@school.example.org", role, PASSWORD
            )
            for role in Role
        }
        built = build_school(db.session, accounts[Role.FACILITATOR])
        records = {
            endpoint: (type(built.record_for(endpoint)), built.record_for(endpoint).id)
            for endpoint in ACCESS
        }
        # Coordinators read the mentor side's consents only.
        [mentor_side] = [
            consent
            for consent in built.match.consents
            if consent.side == ConsentSide.MENTOR
        ]
        records["consent", Role.COORDINATOR] = (type(mentor_side), mentor_side.id)
        emails = {role: account.email for role, account in accounts.items()}
        db.session.remove()

    yield records, emails

    with panel.app_context(), db.engine.begin() as connection:
        empty_all_tables(connection)
    limiter.reset()


@pytest.fixture
def app(panel):
    """Give each test a fresh application context, so nothing carries over."""
    with panel.app_context():
        yield panel
        db.session.remove()


def _letter(role: Role) -> str:
    return next(letter for letter, named in ROLES.items() if named == role)


def _expected(endpoint: str, role: Role) -> tuple[bool, bool, bool]:
    letter = _letter(role)
    return tuple(letter in allowed for allowed in ACCESS[endpoint])


def _sign_in(auth, school, role: Role) -> dict:
    records, emails = school
    response = auth.login(emails[role])
    assert response.status_code == 302
    return records


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_each_role_opens_and_changes_only_what_its_work_needs(
    client, auth, school, endpoint, role
):
    records = _sign_in(auth, school, role)
    model, record_id = records.get((endpoint, role), records[endpoint])
    may_open, may_create, may_edit = _expected(endpoint, role)
    base = f"/admin/{endpoint}"

    pages = {
        f"{base}/": may_open,
        f"{base}/details/?id={record_id}": may_open,
        f"{base}/export/csv/": may_open,
        f"{base}/new/": may_create,
        f"{base}/edit/?id={record_id}": may_edit,
    }
    statuses = {url: client.get(url).status_code for url in pages}

    assert statuses == {url: 200 if allowed else 403 for url, allowed in pages.items()}
    assert _refused_changes(client, endpoint, record_id, may_create, may_edit) == []
    assert db.session.get(model, record_id) is not None


def _refused_changes(client, endpoint, record_id, may_create, may_edit) -> list:
    """Post every change the role may not make; return those not refused."""
    may_delete = may_edit and endpoint not in UNDELETABLE
    token = csrf_token(client, "/admin/")
    data = {
        "id": record_id,
        "rowid": record_id,
        "action": "delete",
        "csrf_token": token,
    }
    base = f"/admin/{endpoint}"

    posts = {
        f"{base}/new/": may_create,
        f"{base}/edit/?id={record_id}": may_edit,
        f"{base}/delete/": may_delete,
        f"{base}/action/": may_delete,
        f"{base}/ajax/update/": may_edit,
    }
    return [
        url
        for url, allowed in posts.items()
        if not allowed and client.post(url, data=data).status_code != 403
    ]


@pytest.mark.parametrize("endpoint", ACCESS)
def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_page(client, endpoint):
    urls = [
        f"/admin/{endpoint}/",
        f"/admin/{endpoint}/details/?id=1",
        f"/admin/{endpoint}/new/",
        f"/admin/{endpoint}/edit/?id=1",
        f"/admin/{endpoint}/export/csv/",
        f"/admin/{endpoint}/export/xlsx/",
        f"/admin/{endpoint}/ajax/lookup/?name=mentor&query=a",
    ]

    token = csrf_token(client, "/login")
    posts = [
        f"/admin/{endpoint}/{page}/" for page in ("delete", "action", "ajax/update")
    ]

    locations = [client.get(url).headers.get("Location", "") for url in urls]
    locations += [
        client.post(url, data={"id": 1, "csrf_token": token}).headers.get(
            "Location", ""
        )
        for url in posts
    ]

    assert len(locations) == len(urls) + len(posts)
    assert all(location.startswith("/login") for location in locations)


@pytest.mark.parametrize("role", ROLES.values())
def test_the_menu_lists_exactly_the_views_a_role_may_open(client, auth, school, role):
    _sign_in(auth, school, role)

    page = client.get("/admin/").get_data(as_text=True)

    listed = set(re.findall(r'href="/admin/([a-z_]+)/"', page))
    letter = _letter(role)
    allowed = {endpoint for endpoint, access in ACCESS.items() if letter in access[0]}
    assert listed == allowed | OTHER_PAGES.get(role, set())

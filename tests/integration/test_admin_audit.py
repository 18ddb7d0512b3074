"""The audit trail in the panel: administrators read it; nobody changes it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from admin.extensions import db
from plp.enums import MatchState, Role
from plp.models import AuditEvent
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import (
    make_match_at,
    make_mentor,
    make_programme,
    make_user,
)

panel = factories.panel
app = factories.app

NOTE = "Client said yes by phone after the second call"


@pytest.fixture
def events(app):
    """Record two events by two members of staff; return their ids."""
    facilitator = make_user(db.session, Role.FACILITATOR, name="Farida Osei")
    coordinator = make_user(db.session, Role.COORDINATOR, name="Colm Reddy")
    recorded = [
        AuditEvent(
            actor=facilitator,
            occurred_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
            entity_type="Match",
            entity_id=7,
            action="consent",
            from_state="proposed",
            to_state="proposed",
            note=NOTE,
        ),
        AuditEvent(
            actor=coordinator,
            occurred_at=datetime(2026, 3, 3, 16, 40, tzinfo=UTC),
            entity_type="Match",
            entity_id=7,
            action="disclose",
            from_state="proposed",
            to_state="disclosed",
        ),
    ]
    db.session.add_all(recorded)
    db.session.commit()
    return [event.id for event in recorded]


def _audit_posts(app) -> list[str]:
    """Return every URL of the audit view that takes a POST."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("audit_event.") and "POST" in rule.methods
    ]
    return [rule.rule for rule in rules]


def _trail() -> list[tuple]:
    rows = db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.action,
            AuditEvent.from_state,
            AuditEvent.to_state,
            AuditEvent.note,
        ).order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


def test_administrators_read_every_event_with_who_when_from_to_and_note(
    client, auth, events
):
    auth.login_as("administrator")

    page = client.get("/admin/audit_event/").get_data(as_text=True)

    for expected in (
        "Farida Osei",
        "Colm Reddy",
        "2026-03-02 09:15 GMT",
        "2026-03-03 16:40 GMT",
        "disclose",
        "disclosed",
        NOTE,
    ):
        assert expected in page


def test_an_event_opens_in_full_for_an_administrator(client, auth, events):
    auth.login_as("administrator")

    page = client.get(f"/admin/audit_event/details/?id={events[0]}")

    assert page.status_code == 200
    assert NOTE in page.get_data(as_text=True)


def test_the_list_offers_no_way_to_change_the_trail(client, auth, events):
    auth.login_as("administrator")

    page = client.get("/admin/audit_event/").get_data(as_text=True)

    for control in (
        "/admin/audit_event/new/",
        "/admin/audit_event/edit/",
        "/admin/audit_event/delete/",
        "/admin/audit_event/action/",
        "x-editable",
    ):
        assert control not in page


def test_the_audit_view_takes_posts_on_the_pages_flask_admin_gives_it(app):
    assert sorted(_audit_posts(app)) == [
        "/admin/audit_event/action/",
        "/admin/audit_event/ajax/update/",
        "/admin/audit_event/delete/",
        "/admin/audit_event/edit/",
        "/admin/audit_event/new/",
    ]


@pytest.mark.parametrize("role", list(Role))
def test_nobody_creates_edits_deletes_or_acts_on_an_event(
    app, client, auth, events, role
):
    auth.login_as(role.value)
    before = _trail()
    token = csrf_token(client, "/admin/")
    data = {
        "id": events[0],
        "rowid": events,
        "action": "delete",
        "name": "note",
        "pk": events[0],
        "value": "rewritten",
        "list_form_pk": events[0],
        "note": "rewritten",
        "entity_type": "Match",
        "entity_id": 1,
        "csrf_token": token,
    }

    statuses = {
        url: client.post(f"{url}?id={events[0]}", data=data).status_code
        for url in _audit_posts(app)
    }

    assert set(statuses.values()) == {403}
    assert _trail() == before
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 2


@pytest.mark.parametrize("page", ["new/", "edit/?id=1", "ajax/lookup/?name=actor"])
def test_not_even_an_administrator_opens_a_form_on_the_trail(
    client, auth, events, page
):
    auth.login_as("administrator")

    assert client.get(f"/admin/audit_event/{page}").status_code == 403


@pytest.mark.parametrize("role", ["facilitator", "coordinator", "director", "finance"])
def test_other_roles_do_not_open_the_trail(client, auth, events, role):
    auth.login_as(role)

    statuses = {
        client.get(url).status_code
        for url in (
            "/admin/audit_event/",
            f"/admin/audit_event/details/?id={events[0]}",
            "/admin/audit_event/export/csv/",
        )
    }

    assert statuses == {403}


# What the trail says did a change when no member of staff did.


def _row_of(page: str, text: str) -> str:
    """Return the text of the one row of a list page that contains some text."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    found = [row for row in cells if text in row]
    assert len(found) == 1, cells
    return found[0]


def test_the_scheduled_expiry_is_named_as_who_expired_a_proposal(client, auth, runner):
    facilitator = make_user(db.session, Role.FACILITATOR)
    programme = make_programme(db.session, facilitator)
    match = make_match_at(
        db.session, programme, make_mentor(db.session), MatchState.PROPOSED
    )
    match.proposed_at = datetime.now(UTC) - timedelta(days=31)
    db.session.commit()
    runner.invoke(args=["plp", "expire-proposals"])
    auth.login_as("administrator")

    page = client.get("/admin/audit_event/").get_data(as_text=True)

    row = _row_of(page, "No answer within 30 days.")
    assert "Automatic expiry (after 30 days)" in row
    assert "proposed expired" in row


def test_an_event_nobody_is_recorded_for_says_no_member_of_staff_did_it(client, auth):
    db.session.add(
        AuditEvent(entity_type="Match", entity_id=9, action="expired", note="Left over")
    )
    db.session.commit()
    auth.login_as("administrator")

    page = client.get("/admin/audit_event/").get_data(as_text=True)

    assert "Automatic (no member of staff)" in _row_of(page, "Left over")

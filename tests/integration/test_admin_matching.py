"""The introduction workflow in the panel: next steps, bulk steps, and refusals.

Every step goes through the real forms with a valid CSRF token. Requests a
role may not make, steps out of order and ids of other facilitators' matches
are sent directly too: each is refused and changes nothing.
"""

import html
import re
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from admin.extensions import db
from plp.enums import (
    ConsentSide,
    MatchState,
    Priority,
    ProgrammeStatus,
    Role,
    RolesOffered,
)
from plp.models import Agreement, AuditEvent, Consent, Match, Need, NeedsAssessment
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import (
    MENTOR_IDENTITY,
    form_data,
    make_agreed_budget,
    make_match_at,
    make_mentor,
    make_programme,
    make_user,
    options_of,
)

# One application for the module and an empty database for each test.
panel = factories.panel
app = factories.app

STEP_URL = "/admin/match/step/"


def new_match(facilitator, state=MatchState.SHORTLISTED, mentor=None, **fields):
    """Make a match of the facilitator's programme, with a budget of 1,000.00."""
    programme = make_programme(db.session, facilitator)
    make_agreed_budget(db.session, programme, "1000.00")
    match = make_match_at(
        db.session, programme, mentor or make_mentor(db.session), state, **fields
    )
    if state != MatchState.SHORTLISTED:
        match.proposed_at = datetime(2026, 4, 1, tzinfo=UTC)
    db.session.commit()
    return match.id


def record(match_id: int) -> tuple:
    """Read what a refused request must leave as it was."""
    db.session.expire_all()
    count = lambda query: db.session.execute(query).scalar_one()  # noqa: E731
    return (
        db.session.get(Match, match_id).state,
        count(select(func.count(Consent.id)).where(Consent.match_id == match_id)),
        count(select(func.count(AuditEvent.id))),
        count(select(func.count(Agreement.id))),
    )


def post_step(client, match_id, step: str, **fields):
    """Post one step as the details page's form does, CSRF token and all."""
    data = {"csrf_token": csrf_token(client, "/admin/"), "id": match_id, "step": step}
    return client.post(STEP_URL, data={**data, **fields})


def flashed(client, response) -> str:
    """Return the text of the page a step redirects to, its messages included."""
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return html.unescape(re.sub(r"\s+", " ", page))


def steps_on(client, match_id) -> list[str]:
    page = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)
    return re.findall(r'data-step="([a-z_]+)"', page)


FINALISE = {"budget_line_id": None, "fee": "400.00", "sessions_planned": "6"}


def finalise_fields(match_id, **changes) -> dict:
    line = db.session.get(Match, match_id).programme.budget.lines[0]
    return {**FINALISE, "budget_line_id": line.id, **changes}


def test_each_step_asks_to_confirm_with_what_it_leaves_behind(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator)
    flashed(client, post_step(client, match_id, "propose"))

    page = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)
    consent = re.search(r'data-step="record_consent"[^>]*confirm\(([^)]*)\)', page)
    withdraw = re.search(r'data-step="withdraw"[^>]*confirm\(([^)]*)\)', page)

    assert "a no ends the introduction" in consent.group(1)
    assert "cannot be undone" not in consent.group(1)
    assert "This cannot be undone from this page." in withdraw.group(1)


# The whole introduction, through the panel.


def test_a_match_goes_from_shortlist_to_agreement_through_the_panel(client, auth):
    coordinator = auth.make_user("coordinator")
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator)

    flashed(client, post_step(client, match_id, "propose"))
    page = flashed(
        client,
        post_step(
            client,
            match_id,
            "record_consent",
            side="client",
            decision="given",
            channel="meeting",
            note="Keen to meet",
        ),
    )
    assert "Done: the introduction's stage is now “proposed”." in page

    auth.logout()
    auth.login(coordinator.email)
    assert steps_on(client, match_id) == ["record_consent", "decline", "withdraw"]
    page = flashed(
        client,
        post_step(
            client,
            match_id,
            "record_consent",
            side="mentor",
            decision="given",
            channel="phone",
        ),
    )
    assert "Done: the introduction's stage is now “disclosed”." in page

    auth.logout()
    auth.login(facilitator.email)
    for step in ("hold_interview", "invite", "accept"):
        flashed(client, post_step(client, match_id, step))
    page = flashed(
        client,
        post_step(
            client,
            match_id,
            "finalise",
            **finalise_fields(match_id, start_date="2026-06-01", end_date=""),
        ),
    )

    assert "Done: the introduction's stage is now “agreed”." in page
    agreement = db.session.execute(select(Agreement)).scalar_one()
    assert (agreement.match_id, agreement.fee, agreement.sessions_planned) == (
        match_id,
        Decimal("400.00"),
        6,
    )
    assert str(agreement.start_date) == "2026-06-01"
    assert agreement.end_date is None
    consents = db.session.execute(select(Consent)).scalars().all()
    assert {(c.side, c.channel.value, c.recorded_by_id) for c in consents} == {
        (ConsentSide.CLIENT, "meeting", facilitator.id),
        (ConsentSide.MENTOR, "phone", coordinator.id),
    }


@pytest.mark.parametrize(
    ("state", "steps"),
    [
        (MatchState.SHORTLISTED, ["propose", "decline", "withdraw"]),
        (MatchState.PROPOSED, ["record_consent", "decline", "withdraw"]),
        (MatchState.DISCLOSED, ["hold_interview", "decline", "withdraw"]),
        (MatchState.INTERVIEW, ["invite", "decline", "withdraw"]),
        (MatchState.INVITED, ["accept", "decline", "withdraw"]),
        (MatchState.ACCEPTED, ["finalise", "decline", "withdraw"]),
        (MatchState.AGREED, []),
        (MatchState.EXPIRED, []),
    ],
)
def test_the_details_offer_exactly_the_steps_open_now(client, auth, state, steps):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, state)

    assert steps_on(client, match_id) == steps


def test_the_finalise_form_offers_only_the_programmes_fitting_lines(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.ACCEPTED)
    elsewhere = make_programme(db.session, facilitator)
    make_agreed_budget(db.session, elsewhere, "9999.00")
    db.session.commit()

    page = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)

    picker = re.search(r'name="budget_line_id"[^>]*>(.*?)</select>', page, re.S)
    options = re.findall(r"<option[^>]*>(.*?)</option>", picker.group(1), re.S)
    assert options == ["Line 1: 0.00 of 1,000.00 EUR committed"]


def test_the_details_show_the_mentor_by_alias_only(client, auth):
    facilitator = auth.login_as("facilitator")
    mentor = make_mentor(db.session, **MENTOR_IDENTITY)
    match_id = new_match(facilitator, MatchState.ACCEPTED, mentor=mentor)

    page = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)

    assert mentor.alias_code in page
    leaks = [part for part in MENTOR_IDENTITY.values() if part.lower() in page.lower()]
    assert leaks == []


def test_a_refused_finalising_says_the_figures_and_writes_nothing(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.ACCEPTED)
    before = record(match_id)

    response = post_step(
        client, match_id, "finalise", **finalise_fields(match_id, fee="1000.01")
    )

    assert "leaving 1,000.00" in flashed(client, response)
    assert record(match_id) == before


# Requests sent directly: each refused, nothing changed.

WRONG = [
    # (role posting, state, step, fields, what the refusal says)
    ("coordinator", MatchState.SHORTLISTED, "propose", {}, "mentor side only"),
    (
        "coordinator",
        MatchState.PROPOSED,
        "record_consent",
        {"side": "client", "decision": "given", "channel": "phone"},
        "mentor side only",
    ),
    (
        "facilitator",
        MatchState.PROPOSED,
        "record_consent",
        {"side": "mentor", "decision": "given", "channel": "phone"},
        "recorded by a network coordinator",
    ),
    ("coordinator", MatchState.ACCEPTED, "finalise", {}, "mentor side only"),
    (
        "facilitator",
        MatchState.PROPOSED,
        "hold_interview",
        {},
        "An interview needs the names disclosed first",
    ),
    (
        "facilitator",
        MatchState.SHORTLISTED,
        "record_consent",
        {"side": "client", "decision": "given", "channel": "phone"},
        "needs the match proposed first",
    ),
    (
        "facilitator",
        MatchState.INVITED,
        "finalise",
        {},
        "An agreement needs the mentor's acceptance first: the mentor must accept.",
    ),
    ("facilitator", MatchState.DISCLOSED, "accept", {}, "the client must invite"),
    (
        "facilitator",
        MatchState.DISCLOSED,
        "withdraw_consent",
        {"side": "client", "channel": "phone"},
        "names are already disclosed",
    ),
    ("facilitator", MatchState.AGREED, "decline", {"reason": "No"}, "agreement"),
    ("facilitator", MatchState.EXPIRED, "propose", {}, "not reopened"),
    (
        "facilitator",
        MatchState.PROPOSED,
        "record_consent",
        {"side": "client", "decision": "withdrawn", "channel": "phone"},
        "Decision: withdrawn is not given or refused",
    ),
    (
        "facilitator",
        MatchState.PROPOSED,
        "record_consent",
        {"side": "client", "decision": "given", "channel": "import"},
        "Channel: import is not how",
    ),
    ("facilitator", MatchState.PROPOSED, "decline", {"reason": " "}, "Reason"),
]


@pytest.mark.parametrize(("role", "state", "step", "fields", "message"), WRONG)
def test_a_step_out_of_role_or_order_is_refused_and_changes_nothing(
    client, auth, role, state, step, fields, message
):
    user = auth.login_as(role)
    owner = user if role == "facilitator" else make_user(db.session, Role.FACILITATOR)
    match_id = new_match(owner, state)
    if step == "finalise":
        fields = finalise_fields(match_id)
    before = record(match_id)

    response = post_step(client, match_id, step, **fields)

    assert message in flashed(client, response)
    assert record(match_id) == before


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (MatchState.SHORTLISTED, "propose"),
        (MatchState.PROPOSED, "record_consent"),
        (MatchState.DISCLOSED, "hold_interview"),
        (MatchState.ACCEPTED, "finalise"),
        (MatchState.INVITED, "decline"),
    ],
)
def test_another_facilitators_match_is_refused_without_a_trace(
    client, auth, state, step
):
    auth.login_as("facilitator")
    other = make_user(db.session, Role.FACILITATOR)
    match_id = new_match(other, state)
    fields = {
        "record_consent": {"side": "client", "decision": "given", "channel": "phone"},
        "finalise": finalise_fields(match_id),
        "decline": {"reason": "Not a fit"},
    }.get(step, {})
    before = record(match_id)

    response = post_step(client, match_id, step, **fields)

    assert response.headers["Location"] == "/admin/match/"
    assert f"Match {match_id} is not yours to change." in flashed(client, response)
    assert record(match_id) == before


@pytest.mark.parametrize("role", ["director", "finance"])
def test_roles_outside_matching_cannot_post_a_step(client, auth, role):
    auth.login_as(role)
    match_id = new_match(make_user(db.session, Role.FACILITATOR))
    before = record(match_id)

    response = post_step(client, match_id, "propose")

    assert response.status_code == 403
    assert record(match_id) == before


def test_a_step_without_the_csrf_token_is_refused(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator)
    before = record(match_id)

    response = client.post(STEP_URL, data={"id": match_id, "step": "propose"})

    assert response.status_code == 400
    assert record(match_id) == before


@pytest.mark.parametrize(
    ("match_id", "step"), [("1x", "propose"), ("", "propose"), ("1", "disclose")]
)
def test_an_unknown_step_or_id_does_nothing(client, auth, match_id, step):
    facilitator = auth.login_as("facilitator")
    real = new_match(facilitator)
    before = record(real)

    response = post_step(client, match_id, step)

    assert "Nothing was done: no such step or match." in flashed(client, response)
    assert record(real) == before


# Bulk steps on the list.


def post_action(client, action: str, ids: list) -> str:
    data = {
        "csrf_token": csrf_token(client, "/admin/match/"),
        "action": action,
        "rowid": [str(i) for i in ids],
    }
    return client.post("/admin/match/action/", data=data)


def test_a_bulk_step_moves_every_selected_match(client, auth):
    facilitator = auth.login_as("facilitator")
    ids = [new_match(facilitator) for _ in range(2)]

    page = flashed(client, post_action(client, "propose", ids))

    assert "Propose the match: done for 2 matches." in page
    assert [record(i)[0] for i in ids] == [MatchState.PROPOSED] * 2


def test_a_bulk_step_with_one_refusal_changes_nothing(client, auth):
    facilitator = auth.login_as("facilitator")
    ready = new_match(facilitator)
    ahead = new_match(facilitator, MatchState.PROPOSED)
    before = [record(ready), record(ahead)]

    page = flashed(client, post_action(client, "propose", [ready, ahead]))

    assert f"Match {ahead}: The match is already proposed" in page
    assert [record(ready), record(ahead)] == before


def test_a_bulk_step_refuses_foreign_ids_without_naming_them(client, auth):
    facilitator = auth.login_as("facilitator")
    own = new_match(facilitator, MatchState.INVITED)
    foreign = new_match(make_user(db.session, Role.FACILITATOR), MatchState.INVITED)
    before = [record(own), record(foreign)]

    page = flashed(client, post_action(client, "accept", [own, foreign]))

    assert "1 of the selected matches is not yours to change." in page
    assert f"Match {foreign}" not in page
    assert [record(own), record(foreign)] == before


def test_a_coordinator_may_not_post_a_bulk_step(client, auth):
    auth.login_as("coordinator")
    match_id = new_match(make_user(db.session, Role.FACILITATOR))
    before = record(match_id)

    response = post_action(client, "propose", [match_id])

    assert response.status_code == 403
    assert record(match_id) == before


# No other way in moves a match or makes an agreement.


def test_the_edit_form_cannot_change_a_matchs_state(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.INVITED)
    url = f"/admin/match/edit/?id={match_id}"
    before = record(match_id)

    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data=form_data(page, state="accepted"))

    assert response.status_code == 302
    assert record(match_id)[0] == MatchState.INVITED
    assert record(match_id)[1:] == before[1:]


def test_inline_edit_of_a_match_is_not_offered(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.INVITED)
    before = record(match_id)

    response = client.post(
        "/admin/match/ajax/update/",
        data={
            "csrf_token": csrf_token(client, "/admin/match/"),
            "list_form_pk": match_id,
            "state": "accepted",
        },
    )

    assert response.status_code == 404
    assert record(match_id) == before


def test_agreements_are_not_created_directly(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.ACCEPTED)
    before = record(match_id)

    page = client.get("/admin/agreement/").get_data(as_text=True)
    response = client.post(
        "/admin/agreement/new/",
        data={
            "csrf_token": csrf_token(client, "/admin/"),
            "match": match_id,
            "fee": "10.00",
            "sessions_planned": "2",
            "status": "active",
        },
    )

    assert 'href="/admin/agreement/new/' not in page
    assert client.get("/admin/agreement/new/").status_code == 403
    assert response.status_code == 403
    assert record(match_id) == before


def test_an_agreements_fee_and_line_stay_as_finalised(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.ACCEPTED)
    flashed(
        client, post_step(client, match_id, "finalise", **finalise_fields(match_id))
    )
    agreement = db.session.execute(select(Agreement)).scalar_one()
    url = f"/admin/agreement/edit/?id={agreement.id}"

    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url, data=form_data(page, fee="999.00", sessions_planned="9")
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert (agreement.fee, agreement.sessions_planned) == (Decimal("400.00"), 9)


# Editing an agreement's status: the checks of finalising, and the trail.


def finalised(client, facilitator, mentor) -> Agreement:
    """Finalise an accepted match with a mentor through the panel."""
    match_id = new_match(facilitator, MatchState.ACCEPTED, mentor=mentor)
    flashed(
        client, post_step(client, match_id, "finalise", **finalise_fields(match_id))
    )
    return db.session.execute(
        select(Agreement).where(Agreement.match_id == match_id)
    ).scalar_one()


def edit_agreement(client, agreement, **changes) -> str:
    """Post the agreement's edit form as a browser would; return the page shown."""
    url = f"/admin/agreement/edit/?id={agreement.id}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data=form_data(page, **changes))
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_reactivating_an_agreement_beyond_the_mentors_capacity_is_refused(client, auth):
    facilitator = auth.login_as("facilitator")
    mentor = make_mentor(db.session, capacity=1)
    ended = finalised(client, facilitator, mentor)
    edit_agreement(client, ended, status="ended early")
    finalised(client, facilitator, mentor)
    before = record(ended.match_id)

    page = edit_agreement(client, ended, status="active")

    assert (
        f"{mentor.alias_code} is at capacity (1 active agreement at most): end one "
        "of their agreements or raise their capacity first."
    ) in page
    assert mentor.name not in page
    assert record(ended.match_id) == before
    assert db.session.get(Agreement, ended.id).status == "ended early"


def test_reactivating_an_agreement_beyond_the_lines_room_is_refused(client, auth):
    facilitator = auth.login_as("facilitator")
    ended = finalised(client, facilitator, make_mentor(db.session))
    edit_agreement(client, ended, status="ended early")
    line = ended.budget_line
    other = make_match_at(
        db.session, ended.programme, make_mentor(db.session), MatchState.ACCEPTED
    )
    db.session.commit()
    fields = finalise_fields(other.id, budget_line_id=line.id, fee="700.00")
    flashed(client, post_step(client, other.id, "finalise", **fields))
    before = record(ended.match_id)

    page = edit_agreement(client, ended, status="active")

    assert (
        f"Status: the agreement with {ended.mentor.alias_code} cannot become "
        "active: its fee of 400.00 EUR does not fit the budget line"
    ) in page
    assert "where 700.00 of its 1,000.00 is committed already, leaving 300.00" in page
    assert record(ended.match_id) == before
    assert db.session.get(Agreement, ended.id).status == "ended early"


def test_a_status_change_shows_in_the_audit_trail_for_an_administrator(client, auth):
    facilitator = auth.make_user("facilitator", name="Farida Osei")
    auth.login(facilitator.email)
    agreement = finalised(client, facilitator, make_mentor(db.session))

    page = edit_agreement(client, agreement, status="completed", sessions_planned="8")
    auth.logout()
    auth.login_as("administrator")
    trail = client.get(
        "/admin/audit_event/?flt0_0=Agreement", follow_redirects=True
    ).get_data(as_text=True)

    assert "Record was successfully saved." in page
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", trail, re.S)
    cells = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    assert any(
        "Farida Osei" in row and "change status" in row and "active completed" in row
        for row in cells
    ), cells
    assert any(
        "Farida Osei" in row and "sessions planned from 6 to 8" in row for row in cells
    ), cells


# The documents each match links to.


def document_links(client, match_id) -> list[str]:
    page = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)
    return re.findall(r'href="(/admin/documents/[a-z-]+/\d+/)"', page)


def test_a_proposed_match_links_its_anonymous_profile_and_brief_only(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.PROPOSED)

    links = document_links(client, match_id)

    assert links == [
        f"/admin/documents/mentor-profile/{match_id}/",
        f"/admin/documents/client-brief/{match_id}/",
    ]
    for link in links:
        assert client.get(link).status_code == 200


def test_a_disclosed_match_links_its_introduction_letter_too(client, auth):
    facilitator = auth.login_as("facilitator")
    mentor = make_mentor(db.session, **MENTOR_IDENTITY)
    match_id = new_match(facilitator, MatchState.DISCLOSED, mentor)

    links = document_links(client, match_id)

    letter = f"/admin/documents/introduction-letter/{match_id}/"
    assert letter in links
    page = client.get(letter).get_data(as_text=True)
    assert MENTOR_IDENTITY["name"] in page


# Who declined stays with the side that declined.


def test_the_facilitator_is_not_told_that_the_mentor_side_refused(client, auth):
    facilitator = auth.make_user("facilitator")
    coordinator = auth.make_user("coordinator")
    match_id = new_match(facilitator, MatchState.PROPOSED)
    auth.login(facilitator.email)
    flashed(
        client,
        post_step(
            client,
            match_id,
            "record_consent",
            side="client",
            decision="given",
            channel="meeting",
        ),
    )
    auth.logout()
    auth.login(coordinator.email)
    flashed(
        client,
        post_step(
            client,
            match_id,
            "record_consent",
            side="mentor",
            decision="refused",
            channel="phone",
            note="Prefers not to take a client from this region",
        ),
    )
    auth.logout()

    auth.login(facilitator.email)
    consents = client.get("/admin/consent/export/csv/").get_data(as_text=True)
    details = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)

    assert db.session.get(Match, match_id).state == MatchState.DECLINED
    rows = consents.strip().splitlines()[1:]
    assert len(rows) == 1 and "client" in rows[0]
    assert "refused" not in consents
    assert "Prefers not" not in details + consents
    assert "Consent to disclosure was not given." in details


def test_a_coordinator_reads_no_clients_name_before_disclosure(client, auth):
    facilitator = make_user(db.session, Role.FACILITATOR)
    match_id = new_match(facilitator, MatchState.PROPOSED)
    match = db.session.get(Match, match_id)
    name = match.programme.client.name
    reference = match.programme.reference
    auth.login_as("coordinator")

    pages = {
        url: client.get(url)
        for url in (
            "/admin/match/",
            f"/admin/match/details/?id={match_id}",
            "/admin/match/export/csv/",
            "/admin/consent/",
            "/admin/introduction/",
            f"/admin/documents/client-brief/{match_id}/",
            "/admin/programme/",
        )
    }

    read = {url: page.get_data(as_text=True) for url, page in pages.items()}
    assert reference in read["/admin/match/"]
    assert "Client brief" in read[f"/admin/documents/client-brief/{match_id}/"]
    assert pages["/admin/programme/"].status_code == 403
    assert [url for url, text in read.items() if name in text] == []


# Who ended an introduction before disclosure, and why, stays with the trail.

OWN_WORDS = "Ms Brackenfold finds the other side too partisan"
ENDINGS = [
    ("facilitator", "coordinator", "decline", "client", "Declined"),
    ("facilitator", "coordinator", "withdraw", "client", "Withdrawn"),
    ("coordinator", "facilitator", "decline", "mentor", "Declined"),
    ("coordinator", "facilitator", "withdraw", "mentor", "Withdrawn"),
]
STEPS_TO = {"decline": MatchState.DECLINED, "withdraw": MatchState.WITHDRAWN}


def read_as_staff(client, match_id) -> dict[str, str]:
    """Read every page and export where staff meet a match and its consents."""
    texts = {
        url: html.unescape(client.get(url).get_data(as_text=True))
        for url in (
            "/admin/match/",
            f"/admin/match/details/?id={match_id}",
            "/admin/match/export/csv/",
            "/admin/consent/",
            "/admin/consent/export/csv/",
        )
    }
    workbook = load_workbook(BytesIO(client.get("/admin/match/export/xlsx/").data))
    texts["/admin/match/export/xlsx/"] = " ".join(
        str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row
    )
    return texts


@pytest.mark.parametrize(("ender", "other", "step", "side", "shown"), ENDINGS)
def test_ending_before_disclosure_tells_neither_side_who_ended_it_or_why(
    client, auth, ender, other, step, side, shown
):
    facilitator = auth.make_user("facilitator")
    staff = {"facilitator": facilitator, "coordinator": auth.make_user("coordinator")}
    match_id = new_match(facilitator, MatchState.PROPOSED)
    auth.login(staff[ender].email)
    flashed(client, post_step(client, match_id, step, side=side, reason=OWN_WORDS))
    own_view = read_as_staff(client, match_id)
    auth.logout()

    auth.login(staff[other].email)
    other_view = read_as_staff(client, match_id)
    details = other_view[f"/admin/match/details/?id={match_id}"]

    assert db.session.get(Match, match_id).state == STEPS_TO[step]
    assert f"{shown} before the names were disclosed." in details
    assert [url for url, text in other_view.items() if "Brackenfold" in text] == []
    assert [url for url, text in own_view.items() if "Brackenfold" in text] == []
    alias = db.session.get(Match, match_id).mentor.alias_code
    assert alias in other_view["/admin/match/"]
    assert alias not in client.get("/admin/match/?search=partisan").get_data(
        as_text=True
    )


def test_an_administrator_reads_who_ended_it_and_why_in_the_audit_trail(client, auth):
    facilitator = auth.make_user("facilitator")
    match_id = new_match(facilitator, MatchState.PROPOSED)
    auth.login(facilitator.email)
    flashed(
        client, post_step(client, match_id, "decline", side="client", reason=OWN_WORDS)
    )
    auth.logout()

    auth.login_as("administrator")
    trail = html.unescape(client.get("/admin/audit_event/").get_data(as_text=True))
    details = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)

    assert f"by the client side: {OWN_WORDS}" in trail
    assert "Declined before the names were disclosed." in details
    assert "Brackenfold" not in details


def test_ending_after_disclosure_shows_the_reason_as_written(client, auth):
    facilitator = auth.make_user("facilitator")
    coordinator = auth.make_user("coordinator")
    match_id = new_match(facilitator, MatchState.DISCLOSED)
    auth.login(facilitator.email)
    flashed(
        client, post_step(client, match_id, "decline", side="client", reason=OWN_WORDS)
    )
    auth.logout()

    auth.login(coordinator.email)
    details = client.get(f"/admin/match/details/?id={match_id}").get_data(as_text=True)

    assert OWN_WORDS in html.unescape(details)


# Making a match by hand: the shortlist's exclusions hold for a posted form too.


def post_new_match(client, programme, mentor, role="mentor", need=None) -> str:
    """Post the new-match form by hand, as a crafted request would."""
    data = {
        "csrf_token": csrf_token(client, "/admin/match/new/"),
        "programme": str(programme.id),
        "mentor": str(mentor.id),
        "need": str(need.id) if need else "__None",
        "role": role,
    }
    response = client.post("/admin/match/new/", data=data)
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def count_matches() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count(Match.id))).scalar_one()


def _marked(programme):
    return make_mentor(db.session, do_not_approach=True), "is marked do not approach"


def _matched(programme):
    mentor = make_mentor(db.session)
    make_match_at(db.session, programme, mentor, MatchState.PROPOSED)
    return mentor, f"is already matched with {programme.reference} (proposed)"


def _declined(programme):
    mentor = make_mentor(db.session)
    make_match_at(db.session, programme, mentor, MatchState.DECLINED)
    return mentor, f"has a declined match with {programme.reference}"


def _coach_only(programme):
    mentor = make_mentor(db.session, roles_offered=RolesOffered.COACH)
    return mentor, "does not offer mentoring; they offer coaching only"


@pytest.mark.parametrize("make_mentor_for", [_marked, _matched, _declined, _coach_only])
def test_a_posted_new_match_with_a_mentor_out_of_reach_is_refused(
    client, auth, make_mentor_for
):
    facilitator = auth.login_as("facilitator")
    programme = make_programme(db.session, facilitator)
    mentor, refusal = make_mentor_for(programme)
    db.session.commit()
    alias, name, before = mentor.alias_code, mentor.name, count_matches()

    page = post_new_match(client, programme, mentor)

    assert f"{alias} {refusal}" in page
    assert name not in page
    assert count_matches() == before


def test_a_programme_that_no_longer_looks_is_not_offered_and_refused(client, auth):
    facilitator = auth.login_as("facilitator")
    running = make_programme(db.session, facilitator)
    completed = make_programme(db.session, facilitator)
    completed.status = ProgrammeStatus.COMPLETED
    mentor = make_mentor(db.session)
    db.session.commit()
    before = count_matches()

    offered = options_of(
        client.get("/admin/match/new/").get_data(as_text=True), "programme"
    )
    page = post_new_match(client, completed, mentor)

    assert running.reference in " ".join(offered)
    assert completed.reference not in " ".join(offered)
    assert "Programme: choose one of the options offered" in page
    assert count_matches() == before


def test_a_posted_new_match_for_another_programmes_need_is_refused(client, auth):
    facilitator = auth.login_as("facilitator")
    programme = make_programme(db.session, facilitator)
    stranger = make_programme(db.session, facilitator)
    need = Need(area="Coalition building", priority=Priority.HIGH)
    db.session.add(NeedsAssessment(programme=stranger, needs=[need]))
    mentor = make_mentor(db.session)
    db.session.commit()

    page = post_new_match(client, programme, mentor, need=need)

    assert (
        f"Need: {stranger.reference} · Coalition building (high) belongs to "
        f"another programme; choose one of {programme.reference}"
    ) in page
    assert count_matches() == 0


def test_a_posted_new_match_within_reach_is_shortlisted_and_audited(client, auth):
    facilitator = auth.login_as("facilitator")
    programme = make_programme(db.session, facilitator)
    mentor = make_mentor(db.session, roles_offered=RolesOffered.COACH)
    db.session.commit()

    post_new_match(client, programme, mentor, role="coach")

    match = db.session.execute(select(Match)).scalar_one()
    assert (match.mentor_id, match.state) == (mentor.id, MatchState.SHORTLISTED)
    event = db.session.execute(select(AuditEvent)).scalar_one()
    assert (event.entity_id, event.action, event.actor_id) == (
        match.id,
        "shortlisted",
        facilitator.id,
    )


# Deleting a match: only while it is shortlisted, never proposed.

KEPT = "only a shortlisted match that was never proposed can be deleted"


def match_ids() -> list[int]:
    db.session.expire_all()
    return db.session.execute(select(Match.id).order_by(Match.id)).scalars().all()


def post_delete(client, match_id) -> str:
    data = {"csrf_token": csrf_token(client, "/admin/match/"), "id": match_id}
    return flashed(client, client.post("/admin/match/delete/", data=data))


def deletions() -> list[tuple]:
    query = select(AuditEvent.entity_id, AuditEvent.from_state).where(
        AuditEvent.action == "deleted"
    )
    return db.session.execute(query.order_by(AuditEvent.entity_id)).all()


def refusal_in(page: str) -> str:
    """Return the flashed refusal about deleting, alone."""
    found = re.search(
        r"(This match cannot be deleted:[^<]*|Nothing was deleted[^<]*)", page
    )
    assert found, "no refusal shown"
    return found.group(1)


@pytest.mark.parametrize("consenting", [(), (ConsentSide.MENTOR,)])
def test_deleting_a_proposed_match_is_refused_without_a_word_of_consent(
    client, auth, consenting
):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator, MatchState.PROPOSED, consenting=consenting)
    before = record(match_id)

    refusal = refusal_in(post_delete(client, match_id))

    assert refusal.startswith(f"This match cannot be deleted: {KEPT}")
    assert "consent" not in refusal.lower()
    assert match_ids() == [match_id]
    assert record(match_id) == before


def test_deleting_a_shortlisted_match_is_audited(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator)

    page = post_delete(client, match_id)

    assert "successfully deleted" in page
    assert match_ids() == []
    assert deletions() == [(match_id, "shortlisted")]


def test_a_bulk_delete_with_a_proposed_match_deletes_nothing(client, auth):
    facilitator = auth.login_as("facilitator")
    shortlisted = new_match(facilitator)
    proposed = new_match(facilitator, MatchState.PROPOSED)

    refusal = refusal_in(
        flashed(client, post_action(client, "delete", [shortlisted, proposed]))
    )

    assert refusal.startswith("Nothing was deleted.")
    assert KEPT in refusal
    assert "consent" not in refusal.lower()
    assert match_ids() == [shortlisted, proposed]
    assert deletions() == []


def test_a_bulk_delete_of_shortlisted_matches_deletes_and_audits_each(client, auth):
    facilitator = auth.login_as("facilitator")
    ids = [new_match(facilitator) for _ in range(2)]

    page = flashed(client, post_action(client, "delete", ids))

    assert "Deleted 2 shortlisted matches." in page
    assert match_ids() == []
    assert deletions() == [(i, "shortlisted") for i in ids]


def test_a_bulk_delete_of_one_match_says_one_match(client, auth):
    facilitator = auth.login_as("facilitator")
    match_id = new_match(facilitator)

    page = flashed(client, post_action(client, "delete", [match_id]))

    assert "Deleted 1 shortlisted match." in page
    assert match_ids() == []


def test_a_match_made_after_deleting_the_newest_has_its_own_id_and_history(
    client, auth
):
    facilitator = auth.login_as("facilitator")
    programme = make_programme(db.session, facilitator)
    first, second = make_mentor(db.session), make_mentor(db.session)
    db.session.commit()
    post_new_match(client, programme, first)
    deleted_id = match_ids()[-1]

    flashed(client, post_action(client, "delete", [deleted_id]))
    post_new_match(client, programme, second)

    [new_id] = match_ids()
    history = db.session.execute(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "Match", AuditEvent.entity_id == new_id
        )
    )
    assert new_id != deleted_id
    assert history.scalars().all() == ["shortlisted"]


def test_a_bulk_delete_refuses_foreign_ids_without_naming_them(client, auth):
    facilitator = auth.login_as("facilitator")
    own = new_match(facilitator)
    foreign = new_match(make_user(db.session, Role.FACILITATOR))

    page = flashed(client, post_action(client, "delete", [own, foreign]))

    assert "1 of the selected matches is not yours to delete." in page
    assert match_ids() == [own, foreign]

"""The matching weights, Find candidates and Shortlists pages, by role.

Candidates appear by profile only: no page here may carry a mentor's name,
e-mail, phone or any other part of their identity.
"""

import re

import pytest
from sqlalchemy import func, select

from admin.extensions import db
from plp.enums import MatchState, PeerRole, Priority, ProgrammeStatus, Role
from plp.models import (
    AuditEvent,
    Match,
    MatchingWeight,
    Need,
    NeedsAssessment,
    Shortlist,
)
from plp.services.shortlists import DEFAULT_WEIGHTS, build_shortlist, current_weights
from tests.integration import factories
from tests.integration.conftest import csrf_token
from tests.integration.factories import (
    MENTOR_IDENTITY,
    make_client,
    make_mentor,
    make_programme,
    make_user,
)

panel = factories.panel
app = factories.app

WEIGHTS_URL = "/admin/matching_weights/"
FIND_URL = "/admin/find_candidates/"
ADD_URL = "/admin/find_candidates/add/"

# The weights form's field for each criterion.
FIELDS = {
    "expertise": "40",
    "languages": "20",
    "role": "10",
    "region": "10",
    "capacity": "10",
    "availability": "10",
}

REFUSED_ROLES = ["coordinator", "director", "finance"]


def programme_in_matching(facilitator, area: str = "Campaign strategy"):
    """Make a programme looking for mentors, with one need, for a facilitator."""
    client = make_client(db.session, languages="en, fr")
    programme = make_programme(
        db.session, facilitator, client=client, status=ProgrammeStatus.MATCHING
    )
    need = Need(area=area, priority=Priority.HIGH)
    db.session.add(NeedsAssessment(programme=programme, needs=[need]))
    db.session.commit()
    return programme, need


def identified_mentor():
    """Make the pool member whose identity must never show, fitting the need."""
    mentor = make_mentor(
        db.session,
        **MENTOR_IDENTITY,
        expertise="campaign strategy, media",
        languages="fr",
        region="Western Europe",
        capacity=3,
    )
    db.session.commit()
    return mentor


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def assert_no_identity(page: str) -> None:
    leaked = [value for value in MENTOR_IDENTITY.values() if value in page]
    assert leaked == []


# The matching weights


def test_an_administrator_sees_and_saves_every_weight(client, auth):
    auth.login_as("administrator")

    page = text_of(client.get(WEIGHTS_URL))
    for name, weight in FIELDS.items():
        assert re.search(rf'name="{name}"[^>]*value="{weight}"', page)

    sent = {**FIELDS, "expertise": "60", "capacity": "0"}
    token = csrf_token(client, WEIGHTS_URL)
    response = client.post(WEIGHTS_URL, data={**sent, "csrf_token": token})

    assert response.status_code == 302
    weights = {c.value: w for c, w in current_weights(db.session).items()}
    assert weights["expertise"] == 60
    assert weights["free capacity"] == 0
    assert weights["languages"] == 20
    assert "The matching weights are saved." in text_of(client.get(WEIGHTS_URL))


def test_bad_weights_are_each_named_and_nothing_is_saved(client, auth):
    auth.login_as("administrator")

    sent = {**FIELDS, "expertise": "lots", "languages": "150", "role": "5"}
    token = csrf_token(client, WEIGHTS_URL)
    response = client.post(WEIGHTS_URL, data={**sent, "csrf_token": token})

    page = text_of(response)
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "Expertise: lots is not a whole number" in page
    assert "Languages: 150 is outside 0 to 100" in page
    assert count(MatchingWeight) == 0
    assert current_weights(db.session) == DEFAULT_WEIGHTS


def test_weights_without_the_form_token_are_refused(client, auth):
    auth.login_as("administrator")

    response = client.post(WEIGHTS_URL, data={**FIELDS, "expertise": "90"})

    assert response.status_code in (200, 400)
    assert count(MatchingWeight) == 0


@pytest.mark.parametrize("role", ["facilitator", *REFUSED_ROLES])
def test_only_administrators_open_the_weights(client, auth, role):
    auth.login_as(role)
    token = csrf_token(client, "/admin/")

    assert client.get(WEIGHTS_URL).status_code == 403
    response = client.post(WEIGHTS_URL, data={**FIELDS, "csrf_token": token})

    assert response.status_code == 403
    assert count(MatchingWeight) == 0


# Finding candidates


def build(client, programme_id, **choices):
    """Send the Find candidates form as a browser would, or as typed by hand."""
    token = csrf_token(client, FIND_URL)
    data = {"programme": str(programme_id), "need": "", "role": "", "region": ""}
    return client.post(FIND_URL, data={**data, **choices, "csrf_token": token})


def test_a_facilitator_builds_a_shortlist_for_their_programme(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, need = programme_in_matching(facilitator)
    other, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    mentor = identified_mentor()

    form = text_of(client.get(FIND_URL))
    assert programme.reference in form
    assert other.reference not in form

    response = build(
        client, programme.id, need=str(need.id), role="mentor", region="Western Europe"
    )

    assert response.status_code == 302
    shortlist = db.session.scalars(select(Shortlist)).one()
    assert response.headers["Location"].endswith(
        f"/admin/find_candidates/shortlist/?id={shortlist.id}"
    )
    page = text_of(client.get(response.headers["Location"]))
    assert_no_identity(page)
    assert mentor.alias_code in page
    assert "100 of 100" in page
    assert "Expertise: 40 of 40 (expertise matches Campaign strategy)" in page
    assert "Languages: 20 of 20 (shares French)" in page
    assert "Free capacity: 10 of 10 (3 of 3 places free)" in page
    assert "campaign strategy, media" in page
    assert "Add as mentor" in page


def test_a_facilitator_cannot_build_for_another_facilitators_programme(client, auth):
    auth.login_as("facilitator")
    foreign, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    identified_mentor()

    response = build(client, foreign.id)

    page = text_of(response)
    assert response.status_code == 200
    assert f"Programme {foreign.id} is not yours to match." in page
    assert foreign.reference not in page
    assert count(Shortlist) == 0


def test_an_administrator_builds_for_any_programme(client, auth):
    auth.login_as("administrator")
    programme, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    identified_mentor()

    response = build(client, programme.id, role="coach")

    assert response.status_code == 302
    assert count(Shortlist) == 1


@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_roles_cannot_find_candidates_or_read_shortlists(client, auth, role):
    programme, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    identified_mentor()
    admin = make_user(db.session, Role.ADMINISTRATOR)
    shortlist = build_shortlist(db.session, admin, programme.id, role="mentor")
    shortlist_id, candidate_id = shortlist.id, shortlist.candidates[0].id
    auth.login_as(role)
    token = csrf_token(client, "/admin/")

    pages = [
        FIND_URL,
        f"/admin/find_candidates/shortlist/?id={shortlist_id}",
        "/admin/shortlist/",
        f"/admin/shortlist/details/?id={shortlist_id}",
    ]
    assert [client.get(url).status_code for url in pages] == [403] * 4
    posts = [
        client.post(FIND_URL, data={"programme": programme.id, "csrf_token": token}),
        client.post(ADD_URL, data={"candidate": candidate_id, "csrf_token": token}),
    ]
    assert [response.status_code for response in posts] == [403, 403]
    assert count(Shortlist) == 1
    assert count(Match) == 0


def test_the_programme_details_link_to_find_candidates(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, _ = programme_in_matching(facilitator)

    details = text_of(client.get(f"/admin/programme/details/?id={programme.id}"))
    link = f"/admin/find_candidates/?search={programme.reference}"
    assert f'href="{link}"' in details

    form = text_of(client.get(link))
    assert re.search(rf'<option selected value="{programme.id}"', form)


def test_the_need_picker_offers_only_the_chosen_programmes_needs(client, auth):
    facilitator = auth.login_as("facilitator")
    programme_in_matching(facilitator, area="Coalition building")
    other, other_need = programme_in_matching(facilitator, area="Fundraising")

    form = text_of(client.get(f"/admin/find_candidates/?programme_id={other.id}"))

    assert re.search(rf'<option selected value="{other.id}"', form)
    picker = re.search(r'<select[^>]*name="need".*?</select>', form, re.S).group()
    assert re.findall(r'value="(\d*)"', picker) == ["", str(other_need.id)]
    assert "Fundraising (high)" in picker
    assert "Coalition building" not in form


# Adding a candidate to the programme's matches


def add(client, candidate_id, role="mentor", with_token=True):
    data = {"candidate": str(candidate_id), "role": role}
    if with_token:
        data["csrf_token"] = csrf_token(client, "/admin/")
    return client.post(ADD_URL, data=data)


def test_adding_a_candidate_creates_a_shortlisted_match_and_links_it(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, need = programme_in_matching(facilitator)
    mentor = identified_mentor()
    shortlist = build_shortlist(db.session, facilitator, programme.id, need_id=need.id)
    shortlist_id, candidate_id = shortlist.id, shortlist.candidates[0].id

    response = add(client, candidate_id, role="coach")

    assert response.status_code == 302
    match = db.session.scalars(select(Match)).one()
    assert (match.programme_id, match.mentor_id, match.need_id) == (
        programme.id,
        mentor.id,
        need.id,
    )
    assert (match.state, match.role) == (MatchState.SHORTLISTED, PeerRole.COACH)
    assert match.shortlist_id == shortlist_id
    audited = select(AuditEvent).where(
        AuditEvent.entity_type == "Match", AuditEvent.entity_id == match.id
    )
    assert db.session.scalars(audited).one().action == "shortlisted"
    page = text_of(client.get(response.headers["Location"]))
    assert f'href="/admin/match/details/?id={match.id}"' in page
    assert "open the match" in page
    assert_no_identity(page)


def test_a_candidate_is_not_added_twice(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, _ = programme_in_matching(facilitator)
    identified_mentor()
    shortlist = build_shortlist(db.session, facilitator, programme.id)
    candidate_id = shortlist.candidates[0].id
    add(client, candidate_id)

    response = add(client, candidate_id)

    page = text_of(client.get(response.headers["Location"]))
    assert "Not added:" in page
    assert "is already matched with" in page
    assert count(Match) == 1


def test_adding_needs_the_form_token(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, _ = programme_in_matching(facilitator)
    identified_mentor()
    shortlist = build_shortlist(db.session, facilitator, programme.id)

    response = add(client, shortlist.candidates[0].id, with_token=False)

    assert response.status_code == 400
    assert count(Match) == 0


def test_a_facilitator_cannot_add_another_facilitators_candidate(client, auth):
    auth.login_as("facilitator")
    owner = make_user(db.session, Role.FACILITATOR)
    programme, _ = programme_in_matching(owner)
    identified_mentor()
    shortlist = build_shortlist(db.session, owner, programme.id, role="mentor")

    response = add(client, shortlist.candidates[0].id)

    page = text_of(client.get(response.headers["Location"]))
    assert f"Candidate {shortlist.candidates[0].id} is not yours to add." in page
    assert count(Match) == 0


# The shortlists as they were built


def test_a_facilitator_reads_only_their_own_shortlists(client, auth):
    facilitator = auth.login_as("facilitator")
    own, _ = programme_in_matching(facilitator)
    foreign, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    mentor = identified_mentor()
    mine = build_shortlist(db.session, facilitator, own.id, region="Western Europe")
    admin = make_user(db.session, Role.ADMINISTRATOR)
    theirs = build_shortlist(db.session, admin, foreign.id)
    mine_id, theirs_id = mine.id, theirs.id

    listing = text_of(client.get("/admin/shortlist/"))
    details = text_of(client.get(f"/admin/shortlist/details/?id={mine_id}"))
    foreign_details = client.get(f"/admin/shortlist/details/?id={theirs_id}")
    foreign_page = client.get(f"/admin/find_candidates/shortlist/?id={theirs_id}")

    assert own.reference in listing
    assert foreign.reference not in listing
    assert "Expertise 40, Languages 20, Role 10, Region 10" in details
    assert mentor.alias_code in details
    assert "100 of 100" in details
    assert "Region: 10 of 10 (region Western Europe as preferred)" in details
    assert "Mentor or coach" in details
    assert "Every need" in details
    assert foreign_details.status_code == 302
    assert foreign_page.status_code == 404
    assert_no_identity(listing + details)


def test_the_shortlists_offer_no_change_and_no_export(client, auth):
    admin = auth.login_as("administrator")
    programme, _ = programme_in_matching(make_user(db.session, Role.FACILITATOR))
    identified_mentor()
    shortlist_id = build_shortlist(db.session, admin, programme.id).id
    token = csrf_token(client, "/admin/")

    assert client.get("/admin/shortlist/new/").status_code == 403
    assert client.get(f"/admin/shortlist/edit/?id={shortlist_id}").status_code == 403
    assert client.get("/admin/shortlist/export/csv/").status_code in (302, 403)
    deleted = client.post(
        "/admin/shortlist/delete/", data={"id": shortlist_id, "csrf_token": token}
    )
    assert deleted.status_code == 403
    assert count(Shortlist) == 1


def test_the_excluded_are_counted_on_the_record(client, auth):
    facilitator = auth.login_as("facilitator")
    programme, _ = programme_in_matching(facilitator)
    identified_mentor()
    make_mentor(db.session, do_not_approach=True)
    db.session.commit()
    shortlist = build_shortlist(db.session, facilitator, programme.id)

    details = text_of(client.get(f"/admin/shortlist/details/?id={shortlist.id}"))

    assert "marked do not approach: 1" in details
    assert re.search(r"Pool size</b>\s*</td>\s*<td>\s*2\s*</td>", details)

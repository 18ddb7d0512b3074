"""The printed documents of an introduction: what each says, and what it must not."""

from dataclasses import asdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from plp.documents import (
    NotYetDisclosed,
    client_brief,
    introduction_letter,
    mentor_profile,
)
from plp.enums import (
    MATCH_STATES_DISCLOSED,
    Availability,
    ExperienceBand,
    MatchState,
    PeerRole,
    Priority,
)
from plp.models import MENTOR_IDENTITY_FIELDS, Match, Need
from tests.unit.factories import (
    make_assessment,
    make_client,
    make_match,
    make_mentor,
    make_programme,
    make_user,
)

PREPARED_ON = date(2026, 5, 4)

MENTOR = {
    "name": "Ingrid Vasquez-Holm",
    "email": "ingrid.vh@pool.example.net",
    "phone": "+46 70 123 9876",
    "country": "Sweden",
    "address": "Storgatan 9, Uppsala",
    "employer_or_party": "Uppsala Green Alliance",
    "biography": "Twice mayor of Uppsala",
    "links": "https://vasquez-holm.example.net",
    "expertise": "media, coalition building",
    "languages": "sv, en",
    "region": "Northern Europe",
    "experience_band": ExperienceBand.SENIOR,
    "availability": Availability.LIMITED,
}

CLIENT = {
    "name": "Kwame Asante-Boateng",
    "email": "kwame@example.org",
    "phone": "+233 20 555 1234",
    "country": "Ghana",
    "region": "West Africa",
    "languages": "en, tw",
    "political_aims": "Win the Kumasi mayoralty for the Progressive Party",
    "aims_summary": "Build a city-wide coalition ahead of a mayoral race",
    "campaign": "Kumasi mayoral race 2027",
}


@pytest.fixture
def match_at(session):
    """Return a maker of a match between the named client and mentor at a state."""
    facilitator = make_user(session, name="Abena Facilitator")
    client = make_client(session, **CLIENT)
    programme = make_programme(session, facilitator=facilitator, client=client)
    assessment = make_assessment(session, programme)
    needs = [
        Need(area="media", priority=Priority.LOW, description="Kumasi radio"),
        Need(area="public speaking", priority=Priority.HIGH),
        Need(area="coalition building", priority=Priority.HIGH),
    ]
    assessment.needs.extend(needs)
    mentor = make_mentor(session, capacity=2, **MENTOR)

    def make(state: MatchState):
        match = Match(
            programme=programme,
            mentor=mentor,
            need=needs[2],
            role=PeerRole.COACH,
            state=state,
        )
        session.add(match)
        session.flush()
        return match

    return make


def _text(document) -> str:
    return str(asdict(document))


def test_the_mentor_profile_shows_the_profile_the_role_and_the_need(match_at):
    match = match_at(MatchState.PROPOSED)

    profile = mentor_profile(match, PREPARED_ON)

    assert {line.label: line.value for line in profile.lines} == {
        "Alias code": match.mentor.alias_code,
        "Offers to work as": "Both",
        "Areas of expertise": "media, coalition building",
        "Languages": "Swedish, English",
        "Region": "Northern Europe",
        "Political experience": "Over 15 years",
        "Availability": "Limited",
        "Clients taken at once": "2",
    }
    assert profile.role == "Coach"
    assert profile.need_area == "coalition building"
    assert profile.prepared_on == PREPARED_ON


def test_the_mentor_profile_names_nothing_that_identifies_the_mentor(match_at):
    match = match_at(MatchState.PROPOSED)

    text = _text(mentor_profile(match, PREPARED_ON))

    for field in MENTOR_IDENTITY_FIELDS:
        assert MENTOR[field] not in text, field
    assert "Vasquez" not in text
    assert CLIENT["name"] not in text


def test_the_client_brief_shows_the_brief_and_the_needs_by_priority(match_at):
    match = match_at(MatchState.PROPOSED)

    brief = client_brief(match, PREPARED_ON)

    assert {line.label: line.value for line in brief.lines} == {
        "Alias code": match.programme.client.alias_code,
        "Region": "West Africa",
        "Languages": "English, Twi",
        "Summary of aims": CLIENT["aims_summary"],
    }
    assert [(need.area, need.priority) for need in brief.needs] == [
        ("coalition building", "High"),
        ("public speaking", "High"),
        ("media", "Low"),
    ]
    assert brief.role == "Coach"


def test_the_client_brief_leaves_out_identity_campaign_and_need_descriptions(
    match_at,
):
    match = match_at(MatchState.PROPOSED)

    text = _text(client_brief(match, PREPARED_ON))

    for value in ("name", "email", "phone", "country", "political_aims", "campaign"):
        assert CLIENT[value] not in text, value
    assert "Kumasi" not in text
    assert MENTOR["name"] not in text


def test_a_brief_of_a_programme_not_yet_assessed_lists_no_needs(session):
    programme = make_programme(session, client=make_client(session))
    match = make_match(session, programme, make_mentor(session), MatchState.PROPOSED)

    brief = client_brief(match, PREPARED_ON)

    assert brief.needs == ()
    assert brief.need_area is None
    region = {line.label: line.value for line in brief.lines}["Region"]
    assert region == "Not recorded"


def test_each_document_carries_the_programme_match_and_kind_in_its_reference(
    match_at,
):
    match = match_at(MatchState.DISCLOSED)
    stem = f"{match.programme.reference}-{match.id:04d}"

    references = [
        mentor_profile(match, PREPARED_ON).reference,
        client_brief(match, PREPARED_ON).reference,
        introduction_letter(match, PREPARED_ON, UTC).reference,
    ]

    assert references == [f"{stem}-MP", f"{stem}-CB", f"{stem}-IL"]


@pytest.mark.parametrize("state", MATCH_STATES_DISCLOSED)
def test_the_letter_names_both_sides_with_their_contacts_once_disclosed(
    match_at, state
):
    match = match_at(state)
    match.disclosed_at = datetime(2026, 4, 30, 23, 30, tzinfo=UTC)

    letter = introduction_letter(match, PREPARED_ON, ZoneInfo("Europe/Stockholm"))

    assert letter.client.name == CLIENT["name"]
    assert [line.value for line in letter.client.lines] == [
        CLIENT["email"],
        CLIENT["phone"],
        CLIENT["country"],
    ]
    assert letter.mentor.name == MENTOR["name"]
    assert [line.value for line in letter.mentor.lines] == [
        MENTOR["email"],
        MENTOR["phone"],
        MENTOR["country"],
        MENTOR["employer_or_party"],
    ]
    assert letter.facilitator_name == "Abena Facilitator"
    assert letter.disclosed_on == date(2026, 5, 1)


@pytest.mark.parametrize(
    "state",
    [MatchState.SHORTLISTED, MatchState.PROPOSED, MatchState.DECLINED],
)
def test_the_letter_is_refused_before_disclosure_naming_the_match_by_alias(
    match_at, state
):
    match = match_at(state)

    with pytest.raises(NotYetDisclosed) as refused:
        introduction_letter(match, PREPARED_ON, UTC)

    message = str(refused.value)
    assert message == (
        f"No introduction letter for match {match.id} "
        f"({match.programme.reference} / {match.mentor.alias_code}): it is "
        f"{state}, and names are disclosed only once both sides have consented."
    )
    assert MENTOR["name"] not in message


@pytest.mark.parametrize(
    "state", [MatchState.DECLINED, MatchState.WITHDRAWN, MatchState.EXPIRED]
)
def test_the_letter_is_refused_for_a_match_ended_after_disclosure(match_at, state):
    match = match_at(state)
    match.disclosed_at = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    with pytest.raises(NotYetDisclosed, match=f"it has ended \\({state}\\)"):
        introduction_letter(match, PREPARED_ON, UTC)

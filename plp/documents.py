"""What the School's printed documents for an introduction say.

The mentor profile goes to the client and the client brief to the mentor
while both are still anonymous; the introduction letter names both sides
and is written only once the match is disclosed. Each function returns
plain data; a template lays it out.
"""

from dataclasses import dataclass
from datetime import date, tzinfo
from enum import Enum

from plp.enums import MATCH_STATES_DISCLOSED, Priority
from plp.errors import DomainError
from plp.models import CLIENT_BRIEF_FIELDS, MENTOR_PROFILE_FIELDS, Match
from plp.values import language_name

NOT_RECORDED = "Not recorded"

# What each field of the anonymous profile and brief is called on paper.
PROFILE_LABELS = {
    "alias_code": "Alias code",
    "roles_offered": "Offers to work as",
    "expertise": "Areas of expertise",
    "languages": "Languages",
    "region": "Region",
    "experience_band": "Political experience",
    "availability": "Availability",
    "capacity": "Clients taken at once",
}
BRIEF_LABELS = {
    "alias_code": "Alias code",
    "region": "Region",
    "languages": "Languages",
    "aims_summary": "Summary of aims",
}

PRIORITY_ORDER = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}


class NotYetDisclosed(DomainError):
    """A document that names both sides was asked for before disclosure."""


@dataclass(frozen=True)
class Line:
    """One labelled value of a document."""

    label: str
    value: str


@dataclass(frozen=True)
class NeedLine:
    """A need the programme addresses, as the brief states it."""

    area: str
    priority: str


@dataclass(frozen=True)
class MentorProfileDocument:
    """The anonymous profile of a proposed mentor or coach, for the client."""

    reference: str
    prepared_on: date
    alias_code: str
    role: str
    need_area: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class ClientBriefDocument:
    """The anonymous brief of a client, for a proposed mentor or coach."""

    reference: str
    prepared_on: date
    alias_code: str
    role: str
    need_area: str | None
    lines: tuple[Line, ...]
    needs: tuple[NeedLine, ...]


@dataclass(frozen=True)
class Side:
    """One side named in an introduction letter, with how to reach them."""

    name: str
    alias_code: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class IntroductionLetter:
    """The letter that introduces a disclosed client and mentor to each other."""

    reference: str
    prepared_on: date
    programme_reference: str
    role: str
    need_area: str | None
    disclosed_on: date | None
    client: Side
    mentor: Side
    facilitator_name: str | None
    facilitator_email: str | None


def mentor_profile(match: Match, prepared_on: date) -> MentorProfileDocument:
    """Assemble the anonymous profile of a match's mentor, to send to the client."""
    mentor = match.mentor

    return MentorProfileDocument(
        reference=document_reference(match, "MP"),
        prepared_on=prepared_on,
        alias_code=mentor.alias_code,
        role=_words(match.role),
        need_area=_need_area(match),
        lines=tuple(
            Line(PROFILE_LABELS[field], _shown(field, getattr(mentor, field)))
            for field in MENTOR_PROFILE_FIELDS
        ),
    )


def client_brief(match: Match, prepared_on: date) -> ClientBriefDocument:
    """Assemble the anonymous brief of a match's client, to send to the mentor.

    The campaign is left out: staff write it in the client's own terms, and
    it often names the client's party, town or office. Needs go by area and
    priority only, as their descriptions are free text too.
    """
    client = match.programme.client
    assessment = match.programme.assessment
    needs = assessment.needs if assessment is not None else []

    return ClientBriefDocument(
        reference=document_reference(match, "CB"),
        prepared_on=prepared_on,
        alias_code=client.alias_code,
        role=_words(match.role),
        need_area=_need_area(match),
        lines=tuple(
            Line(BRIEF_LABELS[field], _shown(field, getattr(client, field)))
            for field in CLIENT_BRIEF_FIELDS
        ),
        needs=tuple(
            NeedLine(need.area, _words(need.priority))
            for need in sorted(
                needs, key=lambda n: (PRIORITY_ORDER[n.priority], n.area.lower())
            )
        ),
    )


def introduction_letter(
    match: Match, prepared_on: date, zone: tzinfo
) -> IntroductionLetter:
    """Assemble the letter naming a disclosed match's client and mentor.

    Refused, with the reason, for a match whose names are not disclosed.
    """
    if match.state not in MATCH_STATES_DISCLOSED:
        raise NotYetDisclosed(letter_refusal(match))

    client = match.programme.client
    mentor = match.mentor
    facilitator = match.programme.facilitator
    disclosed_at = match.disclosed_at

    return IntroductionLetter(
        reference=document_reference(match, "IL"),
        prepared_on=prepared_on,
        programme_reference=match.programme.reference,
        role=_words(match.role),
        need_area=_need_area(match),
        disclosed_on=disclosed_at.astimezone(zone).date() if disclosed_at else None,
        client=_side(client, ("email", "phone", "country")),
        mentor=_side(mentor, ("email", "phone", "country", "employer_or_party")),
        facilitator_name=facilitator.name if facilitator else None,
        facilitator_email=facilitator.email if facilitator else None,
    )


def letter_refusal(match: Match) -> str:
    """Say why a match has no introduction letter, naming it only by alias."""
    what = f"match {match.id} ({match.programme} / {match.mentor})"
    if match.disclosed_at is not None:
        return (
            f"No introduction letter for {what}: it has ended ({match.state}); "
            "a letter introduces only a match still under way."
        )
    return (
        f"No introduction letter for {what}: it is {match.state}, and names are "
        "disclosed only once both sides have consented."
    )


def document_reference(match: Match, kind: str) -> str:
    """Return the code printed on a document: programme, match and kind."""
    return f"{match.programme.reference}-{match.id:04d}-{kind}"


SIDE_LABELS = {
    "email": "E-mail",
    "phone": "Phone",
    "country": "Country",
    "employer_or_party": "Employer or party",
}


def _side(person, fields: tuple[str, ...]) -> Side:
    return Side(
        name=person.name,
        alias_code=person.alias_code,
        lines=tuple(
            Line(SIDE_LABELS[field], _shown(field, getattr(person, field)))
            for field in fields
        ),
    )


def _need_area(match: Match) -> str | None:
    return match.need.area if match.need is not None else None


def _shown(field: str, value) -> str:
    """Write a field's value as the reader of a letter expects it."""
    if value is None or value == "":
        return NOT_RECORDED
    if isinstance(value, Enum):
        return _words(value)
    if field == "languages":
        return ", ".join(language_name(code) for code in value.split(","))
    return str(value)


def _words(value: Enum) -> str:
    words = str(value.value)
    return words[:1].upper() + words[1:]

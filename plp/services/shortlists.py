"""Shortlists: the mentor pool ranked against a programme, each score explained.

The pool is read in a few queries and scored here, so a pool of thousands
costs the same handful of queries as a pool of five. A shortlist keeps the
weights and the size of the pool it was built from, and each candidate keeps
the reasons for its score, so the ranking can be explained after the weights
change. Reasons name profile facts only, never who a mentor is.
"""

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.enums import (
    AgreementStatus,
    Availability,
    MatchingCriterion,
    MatchState,
    PeerRole,
    Role,
    RolesOffered,
)
from plp.errors import DomainError, InvalidValue, NotPermitted, RuleBroken
from plp.models import (
    Agreement,
    Match,
    MatchingWeight,
    Mentor,
    Need,
    NeedsAssessment,
    Programme,
    Shortlist,
    ShortlistCandidate,
    User,
)
from plp.permissions import scope_query
from plp.rules import (
    ALREADY_MATCHED,
    DECLINED_BEFORE,
    DO_NOT_APPROACH,
    PROGRAMMES_NOT_MATCHING,
    ROLE_NOT_OFFERED,
    ROLE_WORK,
    not_matching_message,
    offers_role,
    why_not_approachable,
)
from plp.services.audit import record_event
from plp.values import language_name, lookup_id, split_list
from plp.vocabulary import REGIONS

logger = logging.getLogger(__name__)

C = MatchingCriterion

DEFAULT_WEIGHTS = {
    C.EXPERTISE: 40,
    C.LANGUAGES: 20,
    C.ROLE: 10,
    C.REGION: 10,
    C.CAPACITY: 10,
    C.AVAILABILITY: 10,
}

LOWEST_WEIGHT, HIGHEST_WEIGHT = 0, 100

# Who builds shortlists and adds their candidates to a programme's matches.
SHORTLIST_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR)

# The states and reasons that keep a mentor off a shortlist are the rules'
# (`plp.rules`), which every new match obeys, so a candidate offered can be added.

# Why a pool member is left off a shortlist, checked in this order: each is
# counted under the first reason that applies.
UNAVAILABLE = "unavailable"
NO_FREE_CAPACITY = "no free capacity"
EXCLUSION_REASONS = (
    DO_NOT_APPROACH,
    ALREADY_MATCHED,
    DECLINED_BEFORE,
    UNAVAILABLE,
    NO_FREE_CAPACITY,
    ROLE_NOT_OFFERED,
)

MOST_CANDIDATES = 200


@dataclass(frozen=True)
class PoolMember:
    """A mentor's profile as a shortlist weighs it, with their free places."""

    id: int
    alias_code: str
    roles_offered: RolesOffered
    expertise: str | None
    languages: str | None
    region: str | None
    availability: Availability
    capacity: int
    do_not_approach: bool
    running: int

    @property
    def free_places(self) -> int:
        """Return how many more clients the mentor can take on now."""
        return max(self.capacity - self.running, 0)

    def offers(self, role: PeerRole) -> bool:
        """Tell whether the mentor is willing to take this role."""
        return offers_role(self.roles_offered, role)


@dataclass(frozen=True)
class Wanted:
    """What the programme looks for: each list keyed by its compared form."""

    areas: dict[str, str]
    languages: dict[str, str]
    role: PeerRole | None
    region: str | None


@dataclass(frozen=True)
class Scored:
    """A pool member with their score and the reasons for it."""

    member: PoolMember
    score: int
    explanation: list[dict]


# The weights


def current_weights(session: Session) -> dict[MatchingCriterion, int]:
    """Return the weight of every criterion: as stored, or its default."""
    stored = session.execute(select(MatchingWeight.criterion, MatchingWeight.weight))
    return {**DEFAULT_WEIGHTS, **dict(stored.all())}


def set_weights(
    session: Session, actor: User, weights: Mapping
) -> dict[MatchingCriterion, int]:
    """Change the matching weights, all of them or none; return them all.

    Criteria left out keep their weight. Every bad value is named at once.
    """
    if actor.role != Role.ADMINISTRATOR:
        raise NotPermitted(
            f"A {actor.role} may not change the matching weights; an "
            "administrator sets them."
        )
    wanted = parse_weights(weights)
    result = {**current_weights(session), **wanted}
    if not any(result.values()):
        raise InvalidValue(
            "Weights: at least one criterion must weigh more than 0, or no "
            "candidate could score at all."
        )
    query = select(MatchingWeight).with_for_update()
    stored = {row.criterion: row for row in session.execute(query).scalars()}

    def change() -> None:
        for criterion, weight in wanted.items():
            _store_weight(session, actor, stored.get(criterion), criterion, weight)

    _commit(session, change)
    logger.info("user %s set the matching weights to %s", actor.id, result)
    return result


def parse_weights(weights: Mapping) -> dict[MatchingCriterion, int]:
    """Read {criterion: weight}, refusing every bad value in one message."""
    problems = []
    parsed = {}
    for key, value in weights.items():
        criterion = _criterion(key)
        if criterion is None:
            known = ", ".join(c.value for c in MatchingCriterion)
            problems.append(f"{key!r} is not a matching criterion; give {known}")
            continue
        weight, problem = _weight(value)
        if problem:
            problems.append(f"{criterion.value.capitalize()}: {problem}")
        else:
            parsed[criterion] = weight
    if problems:
        raise InvalidValue("; ".join(problems))
    return parsed


def _criterion(key) -> MatchingCriterion | None:
    try:
        return MatchingCriterion(str(key).strip().lower())
    except ValueError:
        return None


def _weight(value) -> tuple[int | None, str]:
    """Return a weight and no problem, or no weight and what is wrong."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None, f"give a whole number from {LOWEST_WEIGHT} to {HIGHEST_WEIGHT}"
    if isinstance(value, int) and not isinstance(value, bool):
        weight = value
    elif isinstance(value, str) and text.lstrip("+-").isdigit() and text.isascii():
        weight = int(text)
    else:
        return None, f"{text} is not a whole number"
    if not LOWEST_WEIGHT <= weight <= HIGHEST_WEIGHT:
        return None, f"{weight} is outside {LOWEST_WEIGHT} to {HIGHEST_WEIGHT}"
    return weight, ""


def _store_weight(session, actor, row, criterion, weight) -> None:
    before = DEFAULT_WEIGHTS[criterion] if row is None else row.weight
    if row is not None and before == weight:
        return
    if row is None:
        row = MatchingWeight(criterion=criterion, weight=weight)
        session.add(row)
    row.weight = weight
    record_event(
        session, actor, row, "matching weight changed", before, weight, criterion
    )


# Building a shortlist


def build_shortlist(
    session: Session,
    actor: User,
    programme_id: int,
    need_id: int | None = None,
    role: PeerRole | str | None = None,
    region: str | None = None,
    limit: int = 20,
) -> Shortlist:
    """Rank the approachable pool against a programme (or one need) and keep it."""
    role = _parse_role(role)
    region = _parse_region(region)
    _check_limit(limit)
    _check_may_shortlist(actor)
    programme = _find_programme(session, actor, programme_id)
    need = _find_need(session, programme, need_id)
    shortlist = draft_shortlist(session, actor, programme, need, role, region, limit)

    def change() -> None:
        session.add(shortlist)
        found = len(shortlist.candidates)
        note = f"{found} candidates from a pool of {shortlist.pool_size}"
        record_event(session, actor, shortlist, "shortlist built", note=note)

    _commit(session, change)
    logger.info(
        "user %s built shortlist %s for programme %s: %s candidates of %s",
        actor.id,
        shortlist.id,
        programme.id,
        len(shortlist.candidates),
        shortlist.pool_size,
    )
    return shortlist


def draft_shortlist(
    session: Session,
    actor: User | None,
    programme: Programme,
    need: Need | None = None,
    role: PeerRole | None = None,
    region: str | None = None,
    limit: int = 20,
) -> Shortlist:
    """Rank the pool against a programme already checked; keep nothing yet.

    The caller has checked who asks and what for, and saves the shortlist.
    """
    wanted = _wanted(session, programme, need, role, region)
    weights = current_weights(session)
    members = read_pool(session)
    states = _programme_match_states(session, programme.id)

    exclusions = Counter()
    scored = []
    for member in members:
        reason = exclusion_reason(member, states.get(member.id, ()), wanted.role)
        if reason:
            exclusions[reason] += 1
        else:
            scored.append(score_member(member, wanted, weights))
    scored.sort(key=lambda s: (-s.score, s.member.alias_code, s.member.id))

    shortlist = Shortlist(
        programme_id=programme.id,
        need_id=need.id if need else None,
        role=role,
        region=region,
        built_by_id=actor.id if actor else None,
        weights={criterion.value: weight for criterion, weight in weights.items()},
        pool_size=len(members),
        exclusions={r: exclusions[r] for r in EXCLUSION_REASONS if exclusions[r]},
    )
    shortlist.candidates = [
        ShortlistCandidate(
            mentor_id=s.member.id, rank=rank, score=s.score, explanation=s.explanation
        )
        for rank, s in enumerate(scored[:limit], start=1)
    ]
    return shortlist


def read_pool(session: Session) -> list[PoolMember]:
    """Read every pool member's profile and running agreements in two queries."""
    running = dict(
        session.execute(
            select(Agreement.mentor_id, func.count(Agreement.id))
            .where(Agreement.status == AgreementStatus.ACTIVE)
            .group_by(Agreement.mentor_id)
        ).all()
    )
    query = select(
        Mentor.id,
        Mentor.alias_code,
        Mentor.roles_offered,
        Mentor.expertise,
        Mentor.languages,
        Mentor.region,
        Mentor.availability,
        Mentor.capacity,
        Mentor.do_not_approach,
    ).order_by(Mentor.id)
    return [
        PoolMember(**row._asdict(), running=running.get(row.id, 0))
        for row in session.execute(query)
    ]


def free_places(session: Session, mentor_ids: list[int]) -> dict[int, int]:
    """Return how many more clients each of these mentors can take, in one query."""
    if not mentor_ids:
        return {}
    running = (
        select(Agreement.mentor_id, func.count(Agreement.id).label("running"))
        .where(Agreement.status == AgreementStatus.ACTIVE)
        .group_by(Agreement.mentor_id)
        .subquery()
    )
    query = (
        select(Mentor.id, Mentor.capacity - func.coalesce(running.c.running, 0))
        .outerjoin(running, running.c.mentor_id == Mentor.id)
        .where(Mentor.id.in_(mentor_ids))
    )
    return {mentor_id: max(free, 0) for mentor_id, free in session.execute(query)}


def exclusion_reason(member: PoolMember, states, role: PeerRole | None) -> str | None:
    """Say why a pool member cannot be shortlisted, or return None."""
    reason = why_not_approachable(member.do_not_approach, states)
    if reason:
        return reason
    if member.availability == Availability.UNAVAILABLE:
        return UNAVAILABLE
    if member.free_places <= 0:
        return NO_FREE_CAPACITY
    if role is not None and not member.offers(role):
        return ROLE_NOT_OFFERED
    return None


def score_member(
    member: PoolMember, wanted: Wanted, weights: Mapping[MatchingCriterion, int]
) -> Scored:
    """Score one pool member on every criterion, saying why each scored so."""
    explanation = []
    for criterion, weight in weights.items():
        share, reason = _CRITERIA[criterion](member, wanted)
        points = weight * share.numerator // share.denominator
        explanation.append(
            {
                "criterion": criterion.value,
                "weight": weight,
                "points": points,
                "reason": reason,
            }
        )
    score = sum(entry["points"] for entry in explanation)
    return Scored(member, score, explanation)


@dataclass(frozen=True)
class Share:
    """The part of a criterion's weight a member earns, as a fraction."""

    numerator: int
    denominator: int = 1


ALL, HALF, NONE = Share(1), Share(1, 2), Share(0)


def _expertise(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    if not wanted.areas:
        return NONE, "no needs recorded to match expertise against"
    offered = _keyed(member.expertise)
    matched = [shown for key, shown in wanted.areas.items() if key in offered]
    missing = [shown for key, shown in wanted.areas.items() if key not in offered]
    if not matched:
        return NONE, f"expertise does not match {', '.join(missing)}"
    share = Share(len(matched), len(wanted.areas))
    reason = f"expertise matches {', '.join(matched)}"
    if missing:
        reason += (
            f" ({len(matched)} of {len(wanted.areas)} areas; not {', '.join(missing)})"
        )
    return share, reason


def _languages(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    if not wanted.languages:
        return NONE, "the client's languages are not recorded"
    spoken = _keyed(member.languages)
    shared = [
        language_name(shown) for key, shown in wanted.languages.items() if key in spoken
    ]
    if not shared:
        return NONE, "shares no language with the client"
    return ALL, f"shares {', '.join(shared)}"


def _role(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    if wanted.role is not None:
        return ALL, f"offers {ROLE_WORK[wanted.role]}"
    if member.roles_offered == RolesOffered.BOTH:
        return ALL, "offers mentoring and coaching"
    return HALF, f"offers {ROLE_WORK[PeerRole(member.roles_offered.value)]} only"


def _region(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    if wanted.region is None:
        return ALL, "no region preferred"
    if not member.region:
        return NONE, f"region not recorded; {wanted.region} preferred"
    if _key(member.region) == _key(wanted.region):
        return ALL, f"region {wanted.region} as preferred"
    return NONE, f"region {member.region.strip()}, not {wanted.region} as preferred"


def _capacity(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    free, capacity = member.free_places, member.capacity
    places = "place" if capacity == 1 else "places"
    return Share(free, capacity), f"{free} of {capacity} {places} free"


def _availability(member: PoolMember, wanted: Wanted) -> tuple[Share, str]:
    if member.availability == Availability.AVAILABLE:
        return ALL, "available"
    return HALF, "limited availability"


_CRITERIA = {
    C.EXPERTISE: _expertise,
    C.LANGUAGES: _languages,
    C.ROLE: _role,
    C.REGION: _region,
    C.CAPACITY: _capacity,
    C.AVAILABILITY: _availability,
}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _keyed(text: str | None) -> dict[str, str]:
    """Return the parts of a comma-separated list by their compared form."""
    keyed: dict[str, str] = {}
    for part in split_list(text):
        keyed.setdefault(_key(part), " ".join(part.split()))
    return keyed


def _wanted(session, programme, need, role, region) -> Wanted:
    if need is not None:
        areas = _keyed(need.area)
    else:
        query = (
            select(Need.area)
            .join(NeedsAssessment, Need.assessment_id == NeedsAssessment.id)
            .where(NeedsAssessment.programme_id == programme.id)
            .order_by(Need.id)
        )
        areas = _keyed(", ".join(session.execute(query).scalars()))
    languages = _keyed(programme.client.languages if programme.client else None)
    return Wanted(areas=areas, languages=languages, role=role, region=region)


def _programme_match_states(session, programme_id: int) -> dict[int, set]:
    """Return, by mentor, the states of their matches with the programme."""
    query = select(Match.mentor_id, Match.state).where(
        Match.programme_id == programme_id
    )
    states: dict[int, set] = {}
    for mentor_id, state in session.execute(query):
        states.setdefault(mentor_id, set()).add(state)
    return states


# Adding a candidate to the programme's matches


def add_candidate_to_matches(
    session: Session,
    actor: User,
    candidate_id: int,
    role: PeerRole | str | None = None,
) -> Match:
    """Shortlist a candidate for the programme: a new match that remembers why."""
    role = _parse_role(role)
    _check_may_shortlist(actor)
    candidate = _find_candidate(session, actor, candidate_id)
    shortlist = candidate.shortlist
    programme = _find_programme(session, actor, shortlist.programme_id, lock=True)
    mentor = candidate.mentor
    role = role or shortlist.role
    if role is None:
        raise InvalidValue(
            f"Role: say whether {mentor.alias_code} is to be shortlisted as mentor "
            "or as coach."
        )
    match = Match(
        programme=programme,
        mentor=mentor,
        need_id=shortlist.need_id,
        role=role,
        state=MatchState.SHORTLISTED,
        shortlist=shortlist,
    )

    def change() -> None:
        session.add(match)
        note = f"from shortlist {shortlist.id}, rank {candidate.rank}"
        record_event(
            session, actor, match, "shortlisted", None, MatchState.SHORTLISTED, note
        )

    _commit(session, change)
    logger.info(
        "user %s added candidate %s of shortlist %s as match %s",
        actor.id,
        candidate.id,
        shortlist.id,
        match.id,
    )
    return match


# Looking records up within the actor's scope


def _check_may_shortlist(actor: User) -> None:
    if actor.role not in SHORTLIST_ROLES:
        raise NotPermitted(
            f"A {actor.role} may not build shortlists or add candidates to matches."
        )


def _find_programme(
    session: Session, actor: User, programme_id, lock: bool = False
) -> Programme:
    """Return a running programme within the actor's scope, or refuse alike."""
    # Ids outside the scope and ids of nothing are refused in the same words,
    # so a refusal tells nothing about other facilitators' programmes.
    query = select(Programme).where(Programme.id == lookup_id(programme_id))
    query = scope_query(query, Programme, actor)
    if lock:
        query = query.with_for_update()
    programme = session.execute(query).scalar_one_or_none()
    if programme is None:
        raise NotPermitted(f"Programme {programme_id} is not yours to match.")
    if programme.status in PROGRAMMES_NOT_MATCHING:
        raise RuleBroken(not_matching_message(programme))
    return programme


def _find_need(session: Session, programme: Programme, need_id) -> Need | None:
    if need_id is None:
        return None
    query = (
        select(Need)
        .join(NeedsAssessment, Need.assessment_id == NeedsAssessment.id)
        .where(Need.id == lookup_id(need_id))
        .where(NeedsAssessment.programme_id == programme.id)
    )
    need = session.execute(query).scalar_one_or_none()
    if need is None:
        raise InvalidValue(
            f"Need: the need chosen is not one of {programme.reference}'s needs; "
            "choose one of its own."
        )
    return need


def _find_candidate(session: Session, actor: User, candidate_id) -> ShortlistCandidate:
    visible = scope_query(select(Shortlist.id), Shortlist, actor)
    query = select(ShortlistCandidate).where(
        ShortlistCandidate.id == lookup_id(candidate_id),
        ShortlistCandidate.shortlist_id.in_(visible),
    )
    candidate = session.execute(query).scalar_one_or_none()
    if candidate is None:
        raise NotPermitted(f"Candidate {candidate_id} is not yours to add.")
    return candidate


# Reading the choices


def _parse_role(role) -> PeerRole | None:
    if role is None or str(role).strip() == "":
        return None
    try:
        return PeerRole(str(role).strip().lower())
    except ValueError:
        raise InvalidValue(
            f"Role: {role} is not a role in the pool; give mentor or coach"
        ) from None


def _parse_region(region) -> str | None:
    if region is None or not str(region).strip():
        return None
    for known in REGIONS:
        if _key(known) == _key(str(region)):
            return known
    raise InvalidValue(
        f"Region: {region} is not one of the School's regions, such as "
        f"{REGIONS[0]} or {REGIONS[4]}"
    )


def _check_limit(limit) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidValue(f"Limit: {limit} is not a whole number of candidates")
    if not 1 <= limit <= MOST_CANDIDATES:
        raise InvalidValue(
            f"Limit: {limit} is outside 1 to {MOST_CANDIDATES} candidates"
        )


def _commit(session: Session, change) -> None:
    """Make a change and commit it, or write nothing if any rule refuses it."""
    try:
        change()
        session.commit()
    except DomainError:
        session.rollback()
        raise

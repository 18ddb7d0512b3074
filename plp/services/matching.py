"""The introduction workflow: from a shortlisted match to an accepted one.

Names stay undisclosed until both sides' latest word is consent; the moment
it is, the match is disclosed in the same change.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.db import utc_now
from plp.enums import Channel, ConsentDecision, ConsentSide, ProgrammeStatus, Role
from plp.enums import MatchState as M
from plp.errors import DomainError, InvalidValue, NotPermitted, TransitionRefused
from plp.models import Consent, Match, User
from plp.permissions import may_manage_programme, scope_query
from plp.rules import (
    BEFORE_DISCLOSURE,
    MATCH_KEPT,
    MATCH_PROGRESSION,
    MATCH_STATES_ENDED,
    match_is_deletable,
)
from plp.services.audit import record_event
from plp.values import lookup_id

logger = logging.getLogger(__name__)

OPEN_STATES = (
    M.SHORTLISTED,
    M.PROPOSED,
    M.DISCLOSED,
    M.INTERVIEW,
    M.INVITED,
    M.ACCEPTED,
)

# Steps that need nothing but the match, so that a list can take them in bulk.
BULK_STEPS = ("propose", "hold_interview", "invite", "accept")

# Roles that take part in matching at all; each is limited further below.
MATCHING_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR, Role.COORDINATOR)

# Roles that shortlist, and so may take a shortlisted match off again.
DELETING_ROLES = (Role.ADMINISTRATOR, Role.FACILITATOR)

# What has to happen for a match to move on from each state.
NEXT_ACTION = {
    M.SHORTLISTED: "propose the match",
    M.PROPOSED: "both sides must consent",
    M.DISCLOSED: "hold the interview",
    M.INTERVIEW: "the client must invite the mentor",
    M.INVITED: "the mentor must accept",
    M.ACCEPTED: "finalise the agreement",
}

# How a refusal says where a match is, e.g. "it is already at the interview stage".
WHERE_IT_IS = {M.INTERVIEW: "at the interview stage"}

# Said in end_reason when a side refuses; which side is kept to the audit trail
# so that, before disclosure, the other side never learns who declined.
REFUSAL_REASON = "Consent to disclosure was not given."

# Said in end_reason when a match is declined or withdrawn before the names are
# disclosed. Both sides' staff read end_reason, so the words given and the side
# that gave them are kept to the audit trail, which only administrators read.
ENDED_BEFORE_DISCLOSURE = {
    M.DECLINED: "Declined before the names were disclosed.",
    M.WITHDRAWN: "Withdrawn before the names were disclosed.",
}


@dataclass(frozen=True)
class MatchStep:
    """One step a match can take: its name, how refusals call it, where to."""

    name: str
    noun: str
    from_states: tuple[M, ...]
    to_state: M
    requirement: str = ""


@dataclass(frozen=True)
class OpenStep:
    """A step open to a member of staff, and the side it is taken for, if fixed."""

    name: str
    side: ConsentSide | None = None


STEPS = {
    step.name: step
    for step in (
        MatchStep("propose", "A proposal", (M.SHORTLISTED,), M.PROPOSED),
        MatchStep(
            "hold_interview",
            "An interview",
            (M.DISCLOSED,),
            M.INTERVIEW,
            "the names disclosed",
        ),
        MatchStep("invite", "An invitation", (M.INTERVIEW,), M.INVITED, "an interview"),
        MatchStep(
            "accept",
            "An acceptance",
            (M.INVITED,),
            M.ACCEPTED,
            "the client's invitation",
        ),
        MatchStep(
            "finalise",
            "An agreement",
            (M.ACCEPTED,),
            M.AGREED,
            "the mentor's acceptance",
        ),
        MatchStep("decline", "Declining", OPEN_STATES, M.DECLINED),
        MatchStep("withdraw", "Withdrawing", OPEN_STATES, M.WITHDRAWN),
    )
}


def propose(session: Session, actor: User, match_id: int) -> Match:
    """Propose a shortlisted match: the anonymous profile and brief go out."""
    return _take_step(session, actor, STEPS["propose"], match_id)


def hold_interview(session: Session, actor: User, match_id: int) -> Match:
    """Record that the disclosed sides have met for an interview."""
    return _take_step(session, actor, STEPS["hold_interview"], match_id)


def invite(session: Session, actor: User, match_id: int) -> Match:
    """Record the client's invitation to the mentor after the interview."""
    return _take_step(session, actor, STEPS["invite"], match_id)


def accept(session: Session, actor: User, match_id: int) -> Match:
    """Record the mentor's acceptance of the client's invitation."""
    return _take_step(session, actor, STEPS["accept"], match_id)


def decline(
    session: Session,
    actor: User,
    match_id: int,
    reason: str,
    side: ConsentSide | None = None,
) -> Match:
    """End an open match as declined, saying why; side is who declined, if known.

    Before disclosure the reason and the side go to the audit trail only.
    """
    return _take_step(session, actor, STEPS["decline"], match_id, reason, side)


def withdraw(
    session: Session,
    actor: User,
    match_id: int,
    reason: str,
    side: ConsentSide | None = None,
) -> Match:
    """End an open match as withdrawn, saying why; side is who withdrew, if known.

    Before disclosure the reason and the side go to the audit trail only.
    """
    return _take_step(session, actor, STEPS["withdraw"], match_id, reason, side)


def record_consent(
    session: Session,
    actor: User,
    match_id: int,
    side: ConsentSide,
    decision: ConsentDecision,
    channel: Channel,
    note: str | None = None,
) -> Match:
    """Record one side's word on disclosure; disclose once both have consented.

    A refusal declines the match without saying, outside the audit trail,
    which side refused.
    """
    if decision not in (ConsentDecision.GIVEN, ConsentDecision.REFUSED):
        raise InvalidValue(
            f"Decision: record consent as given or refused, not {decision}; "
            "a consent given earlier is withdrawn with its own step."
        )
    _check_channel(channel)
    match = find_match(session, actor, match_id, side, consent=True)
    _check_consent_open(match, "Consent")
    if decision == ConsentDecision.GIVEN:
        check_programme_running(match, "Consent")
    if decision == ConsentDecision.GIVEN and _latest(match, side) == decision:
        raise TransitionRefused(f"The {side} side's consent is already recorded.")

    def change() -> None:
        _add_consent(session, actor, match, side, decision, channel, note)
        if decision == ConsentDecision.REFUSED:
            match.end_reason = REFUSAL_REASON
            move_match(session, actor, match, M.DECLINED, f"refused by the {side} side")
        elif all(_latest(match, s) == ConsentDecision.GIVEN for s in ConsentSide):
            match.disclosed_at = match.state_changed_at = _now()
            move_match(session, actor, match, M.DISCLOSED, "both sides consented")

    commit_change(session, change)
    logger.info(
        "user %s recorded %s %s on match %s", actor.id, side, decision, match.id
    )
    return match


def withdraw_consent(
    session: Session,
    actor: User,
    match_id: int,
    side: ConsentSide,
    channel: Channel,
    note: str | None = None,
) -> Match:
    """Withdraw a side's consent before the names are disclosed."""
    _check_channel(channel)
    match = find_match(session, actor, match_id, side, consent=True)
    _check_consent_open(match, "Withdrawing consent")
    if _latest(match, side) != ConsentDecision.GIVEN:
        raise TransitionRefused(
            f"The {side} side has no consent standing to withdraw: record its "
            "consent first."
        )

    def change() -> None:
        decision = ConsentDecision.WITHDRAWN
        _add_consent(session, actor, match, side, decision, channel, note)

    commit_change(session, change)
    logger.info("user %s withdrew %s consent on match %s", actor.id, side, match.id)
    return match


def expire_proposals(
    session: Session, older_than_days: int, now: datetime | None = None
) -> int:
    """Expire proposals nobody fully answered within a number of days; count them.

    Safe to run repeatedly: an expired match is no longer proposed.
    """
    if older_than_days < 0:
        raise InvalidValue(
            f"Days: {older_than_days} is negative; give the days a proposal waits"
        )
    cutoff = (now or _now()) - timedelta(days=older_than_days)
    # An imported proposal may lack proposed_at; it waits from its last move.
    proposed_at = func.coalesce(Match.proposed_at, Match.state_changed_at)
    query = select(Match).where(Match.state == M.PROPOSED, proposed_at < cutoff)
    matches = session.execute(query.with_for_update()).scalars().all()

    expiry = expiry_label(older_than_days)

    def change() -> None:
        for match in matches:
            match.end_reason = f"No answer within {older_than_days} days."
            move_match(session, None, match, M.EXPIRED, match.end_reason, expiry)

    commit_change(session, change)
    logger.info(
        "expired %s proposals older than %s days", len(matches), older_than_days
    )
    return len(matches)


def expiry_label(days: int) -> str:
    """Say in the audit trail what expired a proposal: the scheduled expiry."""
    return f"Automatic expiry (after {days} days)"


def _take_step(
    session: Session,
    actor: User,
    step: MatchStep,
    match_id: int,
    reason: str | None = None,
    side: ConsentSide | None = None,
) -> Match:
    ends = step.to_state in MATCH_STATES_ENDED
    if ends and not (reason or "").strip():
        raise InvalidValue(f"Reason: say why the match is {step.to_state}")
    match = find_match(session, actor, match_id, side, consent=False, ending=ends)
    refusal = refusal_reason(step, match.state)
    if refusal:
        raise TransitionRefused(refusal)
    if not ends:
        check_programme_running(match, step.noun)

    def change() -> None:
        note = None
        if ends:
            note = reason.strip()
            match.end_reason = end_reason_shown(match.state, step.to_state, note)
            if side:
                note = f"by the {side} side: {note}"
        if step.to_state == M.PROPOSED:
            match.proposed_at = _now()
        move_match(session, actor, match, step.to_state, note)

    commit_change(session, change)
    logger.info("user %s took step %s for match %s", actor.id, step.name, match.id)
    return match


def end_reason_shown(ended_from: M, ended_as: M, reason: str) -> str:
    """Return the end reason both sides' staff read: neutral before disclosure."""
    if ended_from in BEFORE_DISCLOSURE:
        return ENDED_BEFORE_DISCLOSURE[ended_as]
    return reason


def take_step_for_all(
    session: Session, actor: User, step_name: str, match_ids: list[int]
) -> list[Match]:
    """Take a step that needs no more input for several matches, all or none.

    Every match is checked first; if any is refused, nothing changes and the
    error gives each refusal with its reason. Ids outside the actor's scope
    are counted, never named.
    """
    if step_name not in BULK_STEPS:
        raise TransitionRefused(
            f"{step_name} is not a step taken for several matches at once."
        )
    step = STEPS[step_name]
    if not match_ids:
        raise TransitionRefused(f"{step.noun} needs at least one match selected.")
    if actor.role not in MATCHING_ROLES:
        raise NotPermitted(f"A {actor.role} may not change matches.")
    refusal = _role_refusal(actor, None, consent=False, ending=False)
    if refusal:
        raise NotPermitted(refusal)
    query = scope_query(select(Match).where(Match.id.in_(match_ids)), Match, actor)
    query = query.order_by(Match.id).with_for_update()
    matches = session.execute(query).scalars().all()

    refusals = [
        f"Match {match.id}: {reason}"
        for match in matches
        if (reason := refusal_reason(step, match.state))
    ]
    unseen = len(set(match_ids)) - len(matches)
    if unseen:
        verb = "is" if unseen == 1 else "are"
        refusals.append(f"{unseen} of the selected matches {verb} not yours to change.")
    if refusals:
        raise TransitionRefused("Nothing was changed. " + " ".join(refusals))

    def change() -> None:
        for match in matches:
            if step.to_state == M.PROPOSED:
                match.proposed_at = _now()
            move_match(session, actor, match, step.to_state, None)

    commit_change(session, change)
    logger.info("user %s took step %s for matches %s", actor.id, step_name, match_ids)
    return list(matches)


def delete_shortlisted(session: Session, actor: User, match_ids: list) -> int:
    """Delete shortlisted matches never proposed, all of them or none; count them.

    Each deletion is written to the audit trail. A match that went further
    stays on the record and is declined or withdrawn instead. Ids outside the
    actor's scope are counted, never named.
    """
    if actor.role not in DELETING_ROLES:
        raise NotPermitted(f"A {actor.role} may not delete matches.")
    wanted = {match_id for match_id in match_ids if match_id is not None}
    if not wanted:
        raise TransitionRefused("Deleting needs at least one match selected.")
    query = scope_query(select(Match).where(Match.id.in_(wanted)), Match, actor)
    query = query.order_by(Match.id).with_for_update()
    matches = session.execute(query).scalars().all()

    kept = [match for match in matches if not match_is_deletable(session, match)]
    unseen = len(wanted) - len(matches)
    if kept or unseen:
        raise TransitionRefused(_deletion_refusal(kept, unseen, len(wanted)))

    def change() -> None:
        for match in matches:
            note = "deleted while shortlisted; it was never proposed"
            record_event(session, actor, match, "deleted", match.state, None, note)
            session.delete(match)

    commit_change(session, change)
    logger.info("user %s deleted shortlisted matches %s", actor.id, sorted(wanted))
    return len(matches)


def _deletion_refusal(kept: list[Match], unseen: int, selected: int) -> str:
    if selected == 1 and kept:
        return f"This match cannot be deleted: {MATCH_KEPT}"
    if selected == 1:
        return "This match is not yours to delete."
    refusals = ["Nothing was deleted."]
    if kept:
        listing = ", ".join(str(match) for match in kept)
        refusals.append(f"{listing} cannot be deleted: {MATCH_KEPT}")
    if unseen:
        verb = "is" if unseen == 1 else "are"
        refusals.append(f"{unseen} of the selected matches {verb} not yours to delete.")
    return " ".join(refusals)


def refusal_reason(step: MatchStep, state: M) -> str:
    """Say why a match in a state cannot take a step, or return an empty string."""
    if state in step.from_states:
        return ""
    if state in MATCH_STATES_ENDED:
        return (
            f"The match was {state}; an ended match is not reopened: propose a "
            "new match instead."
        )
    if state == M.AGREED:
        return "The match already led to an agreement; end the agreement instead."
    where = WHERE_IT_IS.get(state, state)
    if step.to_state == M.PROPOSED:
        return f"The match is already {where}; only a shortlisted match is proposed."
    if state == step.to_state:
        return f"The match is already {where}."
    if MATCH_PROGRESSION.index(state) > MATCH_PROGRESSION.index(step.to_state):
        return f"The match is already {where}; {step.noun.lower()} comes before that."
    return _what_comes_first(step, state)


def _what_comes_first(step: MatchStep, state: M) -> str:
    requirement = step.requirement
    if state in BEFORE_DISCLOSURE:
        requirement = "the names disclosed"
    start = MATCH_PROGRESSION.index(state)
    end = MATCH_PROGRESSION.index(step.from_states[0])
    actions = [NEXT_ACTION[s] for s in MATCH_PROGRESSION[start:end]]
    return f"{step.noun} needs {requirement} first: {', then '.join(actions)}."


def _check_consent_open(match: Match, doing: str) -> None:
    state = match.state
    if state == M.PROPOSED:
        return
    if state == M.SHORTLISTED:
        raise TransitionRefused(
            f"{doing} needs the match proposed first: propose the match."
        )
    if state in MATCH_STATES_ENDED:
        raise TransitionRefused(refusal_reason(STEPS["withdraw"], state))
    raise TransitionRefused(
        f"{doing} is refused: the names are already disclosed, which cannot be "
        "undone; the match can still be declined or withdrawn."
    )


def _check_channel(channel: Channel) -> None:
    try:
        known = Channel(channel)
    except ValueError:
        known = None
    if known in (None, Channel.IMPORT):
        raise InvalidValue(
            f"Channel: {channel} is not how a side's word reaches the School; give "
            "meeting, e-mail, phone or letter"
        )


def find_match(
    session: Session,
    actor: User,
    match_id: int,
    side: ConsentSide | None,
    consent: bool,
    ending: bool = False,
) -> Match:
    """Return a match the actor may act on, locked against concurrent changes."""
    if actor.role not in MATCHING_ROLES:
        raise NotPermitted(f"A {actor.role} may not change matches.")
    # Looked up within the actor's scope, so that ids outside it and ids of
    # nothing are refused alike and disclose nothing.
    query = select(Match).where(Match.id == lookup_id(match_id))
    query = scope_query(query, Match, actor)
    match = session.execute(query.with_for_update()).scalar_one_or_none()
    if match is None:
        raise NotPermitted(f"Match {match_id} is not yours to change.")
    refusal = _role_refusal(actor, side, consent, ending)
    if refusal:
        raise NotPermitted(refusal)
    return match


def check_programme_running(match: Match, doing: str) -> None:
    """Refuse taking a match further while its programme is paused or over.

    Ending a match, refusing consent or withdrawing it stay possible: they
    take nobody further.
    """
    status = match.programme.status
    if status == ProgrammeStatus.ON_HOLD:
        raise TransitionRefused(
            f"{doing} is refused: {match.programme} is on hold; resume the "
            "programme first."
        )
    if status in (ProgrammeStatus.COMPLETED, ProgrammeStatus.WITHDRAWN):
        raise TransitionRefused(
            f"{doing} is refused: {match.programme} is {status}; the match can "
            "only be declined or withdrawn."
        )


def steps_open_to(actor: User, match: Match) -> list[OpenStep]:
    """Return the steps a member of staff may take on a match in its state now."""
    if not _reaches(actor, match):
        return []
    steps = []
    if match.state == M.PROPOSED:
        for side in ConsentSide:
            if _role_refusal(actor, side, consent=True, ending=False):
                continue
            steps.append(OpenStep("record_consent", side))
            if _latest(match, side) == ConsentDecision.GIVEN:
                steps.append(OpenStep("withdraw_consent", side))
    # A coordinator speaks for the mentor; staff of the client side may say
    # which side ended a match, or leave it unsaid.
    side = ConsentSide.MENTOR if actor.role == Role.COORDINATOR else None
    for step in STEPS.values():
        ends = step.to_state in MATCH_STATES_ENDED
        if refusal_reason(step, match.state):
            continue
        if _role_refusal(actor, side, consent=False, ending=ends):
            continue
        steps.append(OpenStep(step.name, side if ends else None))
    return steps


def _reaches(actor: User, match: Match) -> bool:
    if actor.role in (Role.ADMINISTRATOR, Role.COORDINATOR):
        return True
    return actor.role == Role.FACILITATOR and may_manage_programme(
        actor, match.programme
    )


def _role_refusal(actor: User, side, consent: bool, ending: bool) -> str:
    mentor_side = side == ConsentSide.MENTOR
    if actor.role == Role.FACILITATOR and consent and mentor_side:
        return (
            "A learning facilitator records the client's consent; the mentor "
            "side's word is recorded by a network coordinator."
        )
    if actor.role == Role.COORDINATOR and not (mentor_side and (consent or ending)):
        return (
            "A network coordinator acts on the mentor side only: recording its "
            "consent, or declining or withdrawing for the mentor."
        )
    return ""


def _latest(match: Match, side: ConsentSide) -> ConsentDecision | None:
    return match.current_consent(side)


def _add_consent(session, actor, match, side, decision, channel, note) -> None:
    consent = Consent(
        match=match,
        side=side,
        decision=decision,
        channel=channel,
        note=(note or "").strip() or None,
        recorded_by=actor,
        recorded_at=_now(),
    )
    session.add(consent)
    detail = f"{side} side, by {channel}" + (
        f": {consent.note}" if consent.note else ""
    )
    record_event(
        session,
        actor,
        match,
        f"{side} consent {decision}",
        match.state,
        match.state,
        detail,
    )


def move_match(
    session,
    actor: User | None,
    match: Match,
    to_state: M,
    note,
    automated_by: str | None = None,
) -> None:
    """Move a match to a state and audit the move; the caller commits.

    `automated_by` says what moved it when no member of staff did.
    """
    before = match.state
    match.state = to_state
    match.state_changed_at = _now()
    record_event(
        session, actor, match, str(to_state), before, to_state, note, automated_by
    )


def commit_change(session: Session, change) -> None:
    """Make a change and commit it, or write nothing if any rule refuses it."""
    try:
        change()
        session.commit()
    except DomainError:
        session.rollback()
        raise


def _now() -> datetime:
    return utc_now()

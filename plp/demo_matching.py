"""Demo introductions: matches at every step, consents, agreements and sessions."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plp.demo_people import PoolMember
from plp.demo_programmes import Timeline
from plp.demo_world import DemoContext, PendingEvent, euros_to, money_step
from plp.enums import (
    AgreementStatus,
    BudgetCategory,
    Channel,
    ConsentDecision,
    ConsentSide,
    MatchState,
    PeerRole,
    ProgressRating,
    SessionMode,
)
from plp.enums import ProgrammeStatus as S
from plp.models import (
    Agreement,
    BudgetLine,
    CheckIn,
    Consent,
    Match,
    MentoringSession,
    Need,
    Programme,
)
from plp.services.matching import REFUSAL_REASON, end_reason_shown, expiry_label
from plp.services.shortlists import draft_shortlist

M = MatchState

# The steps of an introduction that goes all the way.
PATH = (
    M.SHORTLISTED,
    M.PROPOSED,
    M.DISCLOSED,
    M.INTERVIEW,
    M.INVITED,
    M.ACCEPTED,
    M.AGREED,
)
STILL_OPEN = PATH[:-1]
ENDED = (M.DECLINED, M.WITHDRAWN, M.EXPIRED)

# The days the demo School's proposals wait for an answer before they expire.
DEMO_EXPIRY_DAYS = 30

OPEN_WEIGHTS = {
    M.SHORTLISTED: 3,
    M.PROPOSED: 3,
    M.DISCLOSED: 2,
    M.INTERVIEW: 2,
    M.INVITED: 1,
    M.ACCEPTED: 1,
    M.DECLINED: 2,
    M.WITHDRAWN: 1,
    M.EXPIRED: 1,
    M.AGREED: 0,
}

# Where an introduction stood when it ended, and why it ended. A withdrawal
# before disclosure shows only a neutral reason; its words stay in the audit
# trail. A refusal and an expiry name no side as they are.
ENDINGS = {
    M.DECLINED: (
        (M.PROPOSED, REFUSAL_REASON),
        (M.DISCLOSED, "The interview could not be arranged."),
        (M.INTERVIEW, "The client chose not to invite after the interview."),
        (M.INVITED, "The mentor could not take the invitation up."),
    ),
    M.WITHDRAWN: (
        (M.SHORTLISTED, "The need is covered by another introduction."),
        (M.PROPOSED, "The client withdrew from this introduction."),
    ),
    M.EXPIRED: ((M.PROPOSED, f"No answer within {DEMO_EXPIRY_DAYS} days."),),
}

SESSION_NOTES = (
    "Reviewed the campaign plan and agreed next steps.",
    "Rehearsed a debate and worked on answers to hostile questions.",
    "Went through the fundraising pitch and a list of first donors.",
    "Discussed how to approach local groups about a coalition.",
    "Planned the next month of the online campaign.",
    "Looked back at the last public meeting and what to change.",
)

CHECK_IN_NOTES = {
    ProgressRating.ON_TRACK: "Milestones met; mentoring going well.",
    ProgressRating.AT_RISK: "Some milestones slipping; agreed a catch-up plan.",
    ProgressRating.BEHIND: "Campaign pressures have delayed the agenda.",
}


@dataclass
class AgreementPlan:
    """An agreement to write once its match has an id, with its sessions."""

    match: Match
    programme: Programme
    member: PoolMember
    line: BudgetLine
    role: PeerRole
    status: AgreementStatus
    finalised_at: datetime
    start_date: date
    end_date: date
    fee: Decimal = Decimal("0.00")
    sessions: list[date] = field(default_factory=list)
    sessions_planned: int = 0


@dataclass
class Beat:
    """One moment in an introduction's story: a step or a consent."""

    state: MatchState | None = None
    side: ConsentSide | None = None
    decision: ConsentDecision | None = None
    note: str | None = None


def add_matches(
    ctx: DemoContext,
    programme: Programme,
    timeline: Timeline,
    needs: list[Need],
    lines: list[BudgetLine],
) -> list[AgreementPlan]:
    """Add the introductions a programme's stage implies; return its agreements."""
    if not timeline.got_to(S.MATCHING):
        return []
    taken: set[int] = set()
    plans = []
    for need, state, window in _planned_matches(ctx, timeline, needs):
        plan = _add_match(ctx, programme, timeline, need, state, window, lines, taken)
        if plan is not None:
            plans.append(plan)
    _set_fees(ctx, programme, plans)
    return plans


def _planned_matches(ctx: DemoContext, timeline: Timeline, needs: list[Need]):
    """Yield (need, final state, time window) for each introduction to add."""
    rnd = ctx.rnd
    searching = (timeline.entered[S.MATCHING], timeline.as_of)
    if not timeline.got_to(S.ACTIVE):
        for need in needs:
            for _ in range(2 if rnd.chance(0.3) else 1):
                yield need, _open_state(ctx, timeline), searching
        return

    before_start = (timeline.entered[S.MATCHING], timeline.start_date)
    for rank, need in enumerate(needs):
        if rank == 0 or rnd.chance(0.45):
            if rnd.chance(0.35):
                yield need, ctx.cover(ENDED, OPEN_WEIGHTS), before_start
            yield need, M.AGREED, before_start
        elif timeline.status == S.ACTIVE and rnd.chance(0.4):
            later = (timeline.start_date, timeline.as_of)
            yield need, ctx.cover(STILL_OPEN[1:] + ENDED, OPEN_WEIGHTS), later


def _open_state(ctx: DemoContext, timeline: Timeline) -> MatchState:
    state = ctx.cover(STILL_OPEN + ENDED, OPEN_WEIGHTS)
    if timeline.status == S.WITHDRAWN and state in STILL_OPEN:
        # Withdrawing a programme ends the introductions under way.
        return M.WITHDRAWN
    return state


def _add_match(ctx, programme, timeline, need, state, window, lines, taken):
    role = _role_for(ctx, lines)
    status = _agreement_status(timeline)
    needs_room = state == M.AGREED and status == AgreementStatus.ACTIVE
    client_country = programme.client.country
    member = ctx.pool.choose(
        need.area, role, client_country, taken, needs_room=needs_room
    )
    if member is None and needs_room:
        # Nobody with room: the introduction waits for a place at acceptance.
        state = M.ACCEPTED
        member = ctx.pool.choose(
            need.area, role, client_country, taken, needs_room=False
        )
    if member is None:
        return None
    taken.add(member.mentor_id)
    ctx.seen(state)

    match = Match(
        programme=programme,
        mentor_id=member.mentor_id,
        need=need,
        role=role,
        state=state,
    )
    moments = _tell_story(ctx, programme, match, state, window)
    if state != M.AGREED:
        return None
    if status == AgreementStatus.ACTIVE:
        member.running += 1
    return _agreement_plan(ctx, programme, timeline, match, member, moments[-1], lines)


def _role_for(ctx: DemoContext, lines: list[BudgetLine]) -> PeerRole:
    coaching = any(line.category == BudgetCategory.COACHING for line in lines)
    return PeerRole.COACH if coaching and ctx.rnd.chance(0.4) else PeerRole.MENTOR


def _agreement_status(timeline: Timeline) -> AgreementStatus:
    if timeline.status == S.WITHDRAWN:
        return AgreementStatus.ENDED
    if timeline.status == S.COMPLETED:
        return AgreementStatus.COMPLETED
    return AgreementStatus.ACTIVE


def _tell_story(ctx, programme, match, state, window) -> list[datetime]:
    """Add the consents and pending audit events that led to a state."""
    beats = _beats_to(ctx, match, state)
    moments = ctx.rnd.moments_within(*window, len(beats))
    facilitator = _facilitator_of(ctx, programme)
    before = None
    for beat, moment in zip(beats, moments, strict=True):
        if beat.state is None:
            _consent(ctx, match, beat, moment, facilitator)
            continue
        # Named as the services name each step; expiry is the schedule's.
        expired = beat.state == M.EXPIRED
        ctx.events.append(
            PendingEvent(
                None if expired else facilitator,
                match,
                str(beat.state),
                moment,
                before,
                beat.state,
                beat.note,
                expiry_label(DEMO_EXPIRY_DAYS) if expired else None,
            )
        )
        before = beat.state
        match.state_changed_at = moment
        if beat.state == M.SHORTLISTED:
            match.created_at = moment
        if beat.state == M.PROPOSED:
            match.proposed_at = moment
        if beat.state == M.DISCLOSED:
            match.disclosed_at = moment
    return moments


def _beats_to(ctx: DemoContext, match: Match, state: MatchState) -> list[Beat]:
    rnd = ctx.rnd
    if state in PATH:
        steps = list(PATH[: PATH.index(state) + 1])
    else:
        last, said = rnd.pick(ENDINGS[state])
        match.end_reason = said
        if state == M.WITHDRAWN:
            match.end_reason = end_reason_shown(last, state, said)
        steps = [*PATH[: PATH.index(last) + 1], state]

    beats = [Beat(step) for step in steps]
    if state in ENDED:
        beats[-1].note = said
    sides = [ConsentSide.CLIENT, ConsentSide.MENTOR]
    rnd.rng.shuffle(sides)
    if M.DISCLOSED in steps:
        at = steps.index(M.DISCLOSED)
        beats[at:at] = [
            Beat(side=side, decision=ConsentDecision.GIVEN) for side in sides
        ]
    elif M.PROPOSED in steps:
        beats[2:2] = _consents_before_disclosure(ctx, state, sides)
    return beats


def _consents_before_disclosure(ctx, state: MatchState, sides) -> list[Beat]:
    """Return what each side said while an introduction was still anonymous."""
    given = ConsentDecision.GIVEN
    first_gave = [Beat(side=sides[0], decision=given)] if ctx.rnd.chance(0.5) else []
    if state == M.DECLINED:
        return [*first_gave, Beat(side=sides[1], decision=ConsentDecision.REFUSED)]
    if state == M.WITHDRAWN and first_gave:
        return [*first_gave, Beat(side=sides[0], decision=ConsentDecision.WITHDRAWN)]
    return first_gave


def _consent(ctx: DemoContext, match: Match, beat: Beat, moment, facilitator) -> None:
    # The facilitator speaks for the client, the coordinator for the pool.
    recorder = facilitator if beat.side == ConsentSide.CLIENT else ctx.coordinator
    channel = ctx.rnd.pick((Channel.MEETING, Channel.EMAIL, Channel.PHONE))
    Consent(
        match=match,
        side=beat.side,
        decision=beat.decision,
        channel=channel,
        recorded_by_id=recorder.id,
        recorded_at=moment,
    )
    ctx.events.append(
        PendingEvent(
            recorder,
            match,
            "record consent",
            moment,
            None,
            beat.decision,
            f"{beat.side} side, by {channel}",
        )
    )


def _facilitator_of(ctx: DemoContext, programme: Programme):
    return next(
        (user for user in ctx.facilitators if user.id == programme.facilitator_id),
        ctx.administrator,
    )


def _agreement_plan(ctx, programme, timeline, match, member, agreed_at, lines):
    line = _line_for(match.role, lines)
    start = max(agreed_at.date(), timeline.start_date or agreed_at.date())
    end = max(timeline.target_end_date or start, start)
    status = _agreement_status(timeline)
    if status == AgreementStatus.COMPLETED:
        end = max(timeline.ends_on, start)
    elif status == AgreementStatus.ENDED:
        end = max(timeline.as_of, start)
    plan = AgreementPlan(
        match, programme, member, line, match.role, status, agreed_at, start, end
    )
    plan.sessions_planned = ctx.rnd.between(4, 10)
    plan.sessions = _session_days(ctx, plan, timeline)
    return plan


def _line_for(role: PeerRole, lines: list[BudgetLine]) -> BudgetLine:
    coach = role == PeerRole.COACH
    wanted = BudgetCategory.COACHING if coach else BudgetCategory.MENTORING
    return next(line for line in lines if line.category == wanted)


def _session_days(ctx, plan: AgreementPlan, timeline: Timeline) -> list[date]:
    """Return the days sessions were held, as many as time allowed."""
    span = max((plan.end_date - plan.start_date).days, plan.sessions_planned)
    every = span // plan.sessions_planned
    last = min(plan.end_date, timeline.ends_on)
    days = []
    for number in range(plan.sessions_planned):
        day = plan.start_date + timedelta(days=number * every + ctx.rnd.between(0, 4))
        if day > last:
            break
        days.append(day)
    return days


def _set_fees(ctx: DemoContext, programme: Programme, plans) -> None:
    """Set each fee from its sessions and the peer's rate, within most of its line."""
    currency = programme.currency
    step = money_step(currency)
    by_line: dict[int, list[AgreementPlan]] = {}
    for plan in plans:
        by_line.setdefault(id(plan.line), []).append(plan)
    for sharing in by_line.values():
        line = sharing[0].line
        for plan in sharing:
            rate = euros_to(currency, ctx.rnd.between(8, 25) * 10)
            plan.fee = rate * plan.sessions_planned
        asked = sum(plan.fee for plan in sharing)
        room = line.amount * ctx.rnd.fraction(0.6, 0.9)
        if asked > room:
            for plan in sharing:
                steps = (plan.fee * room / asked / step).quantize(1, ROUND_DOWN)
                plan.fee = (max(steps, 1) * step).quantize(Decimal("0.01"))


def write_agreements(session: Session, ctx: DemoContext) -> None:
    """Add the planned agreements, now that their matches have ids."""
    for plan in ctx.agreements:
        agreement = Agreement(
            match_id=plan.match.id,
            programme_id=plan.programme.id,
            mentor_id=plan.member.mentor_id,
            budget_line_id=plan.line.id,
            role=plan.role,
            fee=plan.fee,
            sessions_planned=plan.sessions_planned,
            start_date=plan.start_date,
            end_date=plan.end_date,
            status=plan.status,
            finalised_at=plan.finalised_at,
        )
        agreement.sessions = [_session(ctx, day) for day in plan.sessions]
        session.add(agreement)
    ctx.agreements.clear()


def _session(ctx: DemoContext, day: date) -> MentoringSession:
    return MentoringSession(
        held_on=day,
        duration_minutes=ctx.rnd.pick((45, 60, 60, 90)),
        mode=ctx.rnd.weighted(
            {SessionMode.VIDEO: 6, SessionMode.IN_PERSON: 2, SessionMode.PHONE: 1}
        ),
        summary=ctx.rnd.pick(SESSION_NOTES),
    )


def add_check_ins(ctx: DemoContext, programme: Programme, timeline: Timeline) -> None:
    """Add the facilitator's monitoring check-ins since the programme started."""
    if not timeline.got_to(S.ACTIVE) or programme.facilitator_id is None:
        return
    day = timeline.start_date + timedelta(days=ctx.rnd.between(14, 30))
    while day <= timeline.ends_on:
        rating = ctx.rnd.weighted(
            {
                ProgressRating.ON_TRACK: 13,
                ProgressRating.AT_RISK: 5,
                ProgressRating.BEHIND: 2,
            }
        )
        check_in = CheckIn(
            programme=programme,
            facilitator_id=programme.facilitator_id,
            held_on=day,
            rating=rating,
            notes=CHECK_IN_NOTES[rating],
        )
        ctx.loose.append(check_in)
        day += timedelta(days=ctx.rnd.between(35, 70))


def add_shortlists(session: Session, ctx: DemoContext, count: int = 3) -> None:
    """Keep a shortlist for each of a few programmes looking for mentors."""
    query = (
        select(Programme)
        .where(Programme.status == S.MATCHING)
        .order_by(Programme.id)
        .limit(count)
    )
    for programme in session.execute(query).scalars():
        builder = programme.facilitator or ctx.administrator
        shortlist = draft_shortlist(session, builder, programme)
        # The day before, so that nothing is dated later than now.
        shortlist.built_at = ctx.rnd.moment_on(ctx.today - timedelta(days=1))
        session.add(shortlist)
    session.flush()

"""Demo programmes: their stages, needs, budgets and learning agendas."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from plp.demo_people import STORIES, Story, country_named, new_client
from plp.demo_world import (
    COUNTRIES,
    FUNDER_CURRENCIES,
    DemoContext,
    PendingEvent,
    euros_to,
    share_of,
)
from plp.enums import ActivityType, BudgetCategory, ItemStatus, Priority
from plp.enums import ProgrammeStatus as S
from plp.models import (
    AgendaItem,
    Budget,
    BudgetLine,
    LearningAgenda,
    Need,
    NeedsAssessment,
    Programme,
    ProgressUpdate,
)
from plp.vocabulary import AREAS

# The stages a programme passes through in order, when nothing stops it.
STAGES = (
    S.ENQUIRY,
    S.ASSESSMENT,
    S.BUDGET,
    S.AGENDA,
    S.MATCHING,
    S.ACTIVE,
    S.COMPLETED,
)

# Days a programme usually takes to move on from each stage.
STEP_DAYS = {
    S.ENQUIRY: (5, 30),
    S.ASSESSMENT: (14, 45),
    S.BUDGET: (10, 40),
    S.AGENDA: (14, 45),
    S.MATCHING: (25, 90),
    S.ACTIVE: (180, 450),
    S.COMPLETED: (1, 540),
}

STATUS_WEIGHTS = {
    S.ENQUIRY: 7,
    S.ASSESSMENT: 8,
    S.BUDGET: 8,
    S.AGENDA: 8,
    S.MATCHING: 13,
    S.ACTIVE: 25,
    S.ON_HOLD: 6,
    S.COMPLETED: 17,
    S.WITHDRAWN: 8,
}

# How far programmes on hold, or withdrawn, had got when they stopped.
STOPPED_AT = {
    S.ON_HOLD: {S.ENQUIRY: 1, S.ASSESSMENT: 2, S.BUDGET: 2, S.AGENDA: 2, S.MATCHING: 3,
                S.ACTIVE: 5},
    S.WITHDRAWN: {S.ENQUIRY: 2, S.ASSESSMENT: 3, S.BUDGET: 3, S.AGENDA: 2,
                  S.MATCHING: 3, S.ACTIVE: 2},
}  # fmt: skip

# The lifecycle step that leads into each stage, named as the services name it.
STEP_INTO = {
    S.ASSESSMENT: "start_assessment",
    S.BUDGET: "draft_budget",
    S.AGENDA: "agree_budget",
    S.MATCHING: "start_matching",
    S.ACTIVE: "activate",
    S.COMPLETED: "complete",
    S.ON_HOLD: "put_on_hold",
    S.WITHDRAWN: "withdraw",
}

NEED_TEXT = {
    "campaign strategy": "No written campaign plan yet; the timeline to election "
    "day is unclear.",
    "coalition building": "Works alone; needs allies among local groups and unions.",
    "public speaking": "Nervous in debates and in front of large audiences.",
    "fundraising": "No donor list and no experience of asking for money.",
    "media": "Rarely quoted in the local press; no contacts with journalists.",
    "policy": "Strong convictions, but no costed policy proposals.",
    "digital organising": "Small online following and no plan for social media.",
    "community organising": "Few volunteers outside a circle of friends.",
    "volunteer management": "Volunteers come once and do not come back.",
    "parliamentary work": "Unfamiliar with how committees and amendments work.",
}

OBJECTIVES = {
    "campaign strategy": "a written campaign plan with milestones",
    "coalition building": "three local organisations publicly on side",
    "public speaking": "confident performance in two public debates",
    "fundraising": "a donor list and a first fundraising event",
    "media": "regular coverage in local media",
    "policy": "two costed policy proposals",
    "digital organising": "an online campaign with a growing list of supporters",
    "community organising": "a team of twenty regular volunteers",
    "volunteer management": "a volunteer rota that keeps people involved",
    "parliamentary work": "a first amendment tabled with an elected ally",
}

# Share of the programme's envelope each category usually takes, how often a
# budget has it at all, and how many lines it is costed in.
LINE_PLANS = {
    BudgetCategory.MENTORING: (1.0, 0.20, 0.35, (1, 1)),
    BudgetCategory.COACHING: (0.55, 0.10, 0.25, (1, 1)),
    BudgetCategory.TRAVEL: (0.8, 0.10, 0.20, (3, 7)),
    BudgetCategory.FACILITATION: (1.0, 0.10, 0.15, (1, 3)),
    BudgetCategory.MATERIALS: (0.7, 0.04, 0.09, (2, 5)),
    BudgetCategory.TRANSLATION: (0.3, 0.05, 0.10, (1, 3)),
    BudgetCategory.OTHER: (0.7, 0.04, 0.08, (1, 4)),
}

# What each line of a category pays for. The first is the category's main
# line, which the learning agenda costs its activity against; mentors and
# coaches are paid from it. "{city}" is where the study visit goes.
LINE_DESCRIPTIONS = {
    BudgetCategory.MENTORING: ("Mentoring sessions with a peer abroad",),
    BudgetCategory.COACHING: ("Coaching sessions",),
    BudgetCategory.TRAVEL: (
        "Travel: flights to {city} for a study visit",
        "Travel: accommodation in {city}",
        "Travel: trains and local transport",
        "Travel: visas and travel insurance",
        "Travel: meals and daily allowances",
        "Travel: airport transfers",
        "Travel: a follow-up visit to {city}",
    ),
    BudgetCategory.FACILITATION: (
        "Facilitation: review meetings",
        "Facilitation: the facilitator's travel to the client",
        "Facilitation: progress reports",
    ),
    BudgetCategory.MATERIALS: (
        "Materials: leaflets and door-to-door cards",
        "Materials: posters and banners",
        "Materials: website and hosting",
        "Materials: social media adverts",
        "Materials: photography and video",
    ),
    BudgetCategory.TRANSLATION: (
        "Translation: interpreting for mentoring sessions",
        "Translation: campaign materials",
        "Translation: the study visit's documents",
    ),
    BudgetCategory.OTHER: (
        "Workshop venue hire",
        "Workshop catering",
        "Volunteer training day",
        "Office sundries and postage",
    ),
}

ITEM_KINDS = {
    BudgetCategory.MENTORING: (ActivityType.MENTORING, "Mentoring on {area}"),
    BudgetCategory.COACHING: (ActivityType.COACHING, "Coaching in {area}"),
    BudgetCategory.TRAVEL: (ActivityType.STUDY_VISIT, "Study visit: {area} abroad"),
    BudgetCategory.RESIDENTIAL_SEMINAR: (ActivityType.SEMINAR, "Residential seminar"),
    BudgetCategory.FACILITATION: (ActivityType.OTHER, "Reviews with the facilitator"),
    BudgetCategory.MATERIALS: (
        ActivityType.CAMPAIGN_TASK,
        "Print and online materials",
    ),
    BudgetCategory.TRANSLATION: (ActivityType.OTHER, "Translate campaign materials"),
    BudgetCategory.OTHER: (ActivityType.TRAINING, "Training workshop for volunteers"),
}

CAMPAIGN_TASKS = (
    "Launch the campaign website",
    "Publish the manifesto",
    "Hold a first public meeting",
    "Run a volunteer recruitment drive",
    "Hold a fundraising dinner",
    "Meet the local newspaper's editor",
)


def programme_statuses(ctx: DemoContext, size: int) -> list[S]:
    """Return the statuses of `size` programmes: each one once, then in proportion."""
    if size < len(S):
        return ctx.rnd.rng.sample(list(S), size)
    rest = size - len(S)
    total = sum(STATUS_WEIGHTS.values())
    quotas = {
        status: rest * weight / total for status, weight in STATUS_WEIGHTS.items()
    }
    counts = {status: int(quota) + 1 for status, quota in quotas.items()}
    by_remainder = sorted(
        quotas, key=lambda s: quotas[s] - int(quotas[s]), reverse=True
    )
    for status in by_remainder[: size - sum(counts.values())]:
        counts[status] += 1
    statuses = [status for status, count in counts.items() for _ in range(count)]
    ctx.rnd.rng.shuffle(statuses)
    return statuses


@dataclass
class Timeline:
    """How far a programme got, and when it entered each stage."""

    status: S
    reached: S
    entered: dict[S, date]
    as_of: date
    stopped_on: date | None = None
    start_date: date | None = None
    target_end_date: date | None = None

    def got_to(self, stage: S) -> bool:
        """Tell whether the programme reached a stage before it stopped."""
        return STAGES.index(self.reached) >= STAGES.index(stage)

    @property
    def ends_on(self) -> date:
        """Return the last day of running work: completion, stop or today."""
        return self.entered.get(S.COMPLETED, self.as_of)


def plan_timeline(ctx: DemoContext, status: S) -> Timeline:
    """Return a believable history for a programme that is now at a status."""
    rnd = ctx.rnd
    reached = rnd.weighted(STOPPED_AT[status]) if status in STOPPED_AT else status
    steps = [
        rnd.between(*STEP_DAYS[stage]) for stage in STAGES[: STAGES.index(reached)]
    ]
    high = STEP_DAYS[reached][1]
    dwell = rnd.between(min(14, high), high)
    stopped_for = rnd.between(7, 150) if status in STOPPED_AT else 0

    day = ctx.today - timedelta(days=sum(steps) + dwell + stopped_for)
    entered = {}
    for stage, days in zip(STAGES, [*steps, 0], strict=False):
        entered[stage] = day
        day += timedelta(days=days)
    as_of = entered[reached] + timedelta(days=dwell)
    timeline = Timeline(status, reached, entered, as_of)
    if status in STOPPED_AT:
        timeline.stopped_on = as_of
    _plan_dates(ctx, timeline)
    return timeline


def _plan_dates(ctx: DemoContext, timeline: Timeline) -> None:
    rnd = ctx.rnd
    if timeline.got_to(S.ACTIVE):
        start = timeline.entered[S.ACTIVE]
        planned = start + timedelta(days=rnd.between(270, 540))
        if S.COMPLETED in timeline.entered:
            planned = timeline.entered[S.COMPLETED] + timedelta(
                days=rnd.between(-20, 30)
            )
        elif timeline.status == S.ACTIVE:
            planned = max(planned, timeline.as_of + timedelta(days=30))
        timeline.start_date, timeline.target_end_date = start, planned
    elif timeline.got_to(S.AGENDA):
        start = max(timeline.as_of, timeline.entered[S.AGENDA] + timedelta(days=45))
        timeline.start_date = start + timedelta(days=rnd.between(14, 60))
        timeline.target_end_date = timeline.start_date + timedelta(
            days=rnd.between(270, 480)
        )


def new_programme(ctx: DemoContext, timeline: Timeline) -> tuple[Programme, Story]:
    """Return a programme, and its new client, at the timeline's status."""
    rnd = ctx.rnd
    story = rnd.pick(STORIES)
    client = new_client(rnd, story, timeline.entered[S.ENQUIRY].year + 1)
    local = country_named(client.country).currency
    currency = local if rnd.chance(0.6) else rnd.pick(FUNDER_CURRENCIES)
    ctx.currencies[currency] = None

    # Taking turns gives every facilitator a share of each stage.
    facilitator = ctx.facilitators[ctx.programmes % len(ctx.facilitators)]
    ctx.programmes += 1
    if not timeline.got_to(S.ASSESSMENT) and rnd.chance(0.5):
        facilitator = None
    programme = Programme(
        reference=rnd.code("PLP"),
        client=client,
        facilitator_id=facilitator.id if facilitator else None,
        status=timeline.status,
        status_before_hold=timeline.reached if timeline.status == S.ON_HOLD else None,
        start_date=timeline.start_date,
        target_end_date=timeline.target_end_date,
        currency=currency,
        campaign=client.campaign,
    )
    _record_steps(ctx, programme, timeline, facilitator or ctx.administrator)
    return programme, story


def _record_steps(ctx, programme: Programme, timeline: Timeline, actor) -> None:
    before = S.ENQUIRY
    for stage in STAGES[1 : STAGES.index(timeline.reached) + 1]:
        moment = ctx.rnd.moment_on(timeline.entered[stage])
        ctx.events.append(
            PendingEvent(actor, programme, STEP_INTO[stage], moment, before, stage)
        )
        before = stage
    if timeline.stopped_on is not None:
        moment = ctx.rnd.moment_on(timeline.stopped_on, hour=16)
        step = STEP_INTO[timeline.status]
        ctx.events.append(
            PendingEvent(actor, programme, step, moment, before, timeline.status)
        )


def add_assessment(
    ctx: DemoContext, programme: Programme, timeline: Timeline, story: Story
) -> list[Need]:
    """Add the needs assessment: aims, objectives and two to four needs."""
    rnd = ctx.rnd
    areas = rnd.rng.sample(story.areas, min(len(story.areas), rnd.between(2, 4)))
    if len(areas) < 4 and rnd.chance(0.3):
        extra = rnd.pick(AREAS)
        areas += [] if extra in areas else [extra]
    needs = [
        Need(
            area=area,
            description=NEED_TEXT[area],
            priority=Priority.HIGH if i == 0 else rnd.pick(list(Priority)[1:]),
        )
        for i, area in enumerate(areas)
    ]
    months = rnd.pick((9, 12, 15, 18))
    objectives = "; ".join(OBJECTIVES[area] for area in areas)
    NeedsAssessment(
        programme=programme,
        assessed_on=timeline.entered.get(S.BUDGET),
        political_aims=programme.client.political_aims,
        objectives=f"Within {months} months: {objectives}.",
        needs=needs,
    )
    return needs


def add_budget(
    ctx: DemoContext, programme: Programme, timeline: Timeline, seminar_fee
) -> Budget:
    """Add a costed budget, agreed if the programme got past the budget stage."""
    rnd = ctx.rnd
    envelope = rnd.between(16, 64) * 500
    city = _study_visit_city(ctx, programme)
    lines = []
    for category, (how_often, low, high, counts) in LINE_PLANS.items():
        if category == BudgetCategory.TRANSLATION and "en" in _languages(programme):
            how_often = 0.05
        if rnd.chance(how_often):
            euros = int(envelope * rnd.fraction(low, high))
            lines += _category_lines(ctx, programme, category, euros, counts, city)
    if seminar_fee is not None:
        lines.append(
            BudgetLine(
                category=BudgetCategory.RESIDENTIAL_SEMINAR,
                description="Place and travel for a residential seminar",
                amount=seminar_fee + euros_to(programme.currency, 300),
            )
        )
    budget = Budget(programme=programme, lines=lines)
    programme.assessment.budget_parameters = (
        f"Up to about {euros_to(programme.currency, envelope):,} "
        f"{programme.currency} over the programme."
    )
    if timeline.got_to(S.AGENDA):
        _agree(programme, budget, timeline.entered[S.AGENDA])
    return budget


def _study_visit_city(ctx: DemoContext, programme: Programme) -> str:
    """Return a city abroad that the programme's study visit goes to."""
    home = programme.client.country
    abroad = [country for country in COUNTRIES if country.name != home]
    return ctx.rnd.pick(ctx.rnd.pick(abroad).cities)


def _category_lines(ctx, programme, category, euros: int, counts, city: str):
    """Return a category's lines, sharing its euros unevenly, each a round sum."""
    rnd = ctx.rnd
    main, *others = LINE_DESCRIPTIONS[category]
    count = min(rnd.between(*counts), len(others) + 1)
    descriptions = [main, *rnd.rng.sample(others, count - 1)]
    # The main line takes the largest share: it pays for the activity itself.
    weights = [rnd.between(4, 8), *(rnd.between(1, 4) for _ in others[: count - 1])]
    return [
        BudgetLine(
            category=category,
            description=description.format(city=city),
            amount=euros_to(programme.currency, euros * weight // sum(weights)),
        )
        for description, weight in zip(descriptions, weights, strict=True)
    ]


def main_lines(lines: list[BudgetLine]) -> list[BudgetLine]:
    """Return the first line of each category: the one its activity is costed on."""
    first: dict[BudgetCategory, BudgetLine] = {}
    for line in lines:
        first.setdefault(line.category, line)
    return list(first.values())


def _languages(programme: Programme) -> list[str]:
    return (programme.client.languages or "").split(", ")


def _agree(programme: Programme, budget: Budget, day: date) -> None:
    # As the lifecycle step does: the total of the lines becomes the baseline.
    budget.agreed_total = sum((line.amount for line in budget.lines), Decimal("0.00"))
    budget.agreed_on = day
    budget.agreed_by_id = programme.facilitator_id


def add_agenda(
    ctx: DemoContext,
    programme: Programme,
    timeline: Timeline,
    needs: list[Need],
    budget: Budget,
) -> LearningAgenda:
    """Add a costed learning agenda whose progress matches the programme's stage."""
    rnd = ctx.rnd
    items = []
    for line in main_lines(budget.lines):
        count = 2 if line.category in _TWO_ITEM_CATEGORIES and rnd.chance(0.5) else 1
        share = rnd.fraction(0.85, 1.0) / count
        # A line split in two serves two needs, so that no title repeats.
        for need in rnd.rng.sample(needs, min(count, len(needs))):
            cost = share_of(line.amount, share, programme.currency)
            items.append(_item(ctx, timeline, line, need, cost))
    for title in rnd.rng.sample(CAMPAIGN_TASKS, rnd.between(0, 2)):
        items.append(_campaign_task(ctx, timeline, rnd.pick(needs), title))

    agenda = LearningAgenda(
        programme=programme,
        title=f"Road map: {programme.campaign}"[:300],
        summary=programme.client.aims_summary,
        items=items,
    )
    for item in items:
        _set_progress(ctx, timeline, item, programme.facilitator_id)
    return agenda


_TWO_ITEM_CATEGORIES = (
    BudgetCategory.MENTORING,
    BudgetCategory.COACHING,
    BudgetCategory.TRAVEL,
)


def _item(ctx, timeline: Timeline, line: BudgetLine, need: Need, cost) -> AgendaItem:
    activity, title = ITEM_KINDS[line.category]
    start, due = _item_dates(ctx, timeline, line.category)
    return AgendaItem(
        title=title.format(area=need.area),
        need=need,
        budget_line=line,
        activity_type=activity,
        planned_start=start,
        due_date=due,
        cost=cost,
    )


def _campaign_task(ctx, timeline: Timeline, need: Need, title: str) -> AgendaItem:
    start, due = _item_dates(ctx, timeline, None)
    return AgendaItem(
        title=title,
        need=need,
        activity_type=ActivityType.CAMPAIGN_TASK,
        planned_start=start,
        due_date=due,
        cost=Decimal("0.00"),
    )


def _item_dates(ctx, timeline: Timeline, category) -> tuple[date, date]:
    """Return when an item is planned: facilitation throughout, peers early on."""
    start, end = timeline.start_date, timeline.target_end_date
    if timeline.reached == S.COMPLETED:
        end = min(end, timeline.ends_on)
    span = max((end - start).days, 30)
    if category == BudgetCategory.FACILITATION:
        return start, end
    if category in (BudgetCategory.MENTORING, BudgetCategory.COACHING):
        begins = start + timedelta(days=ctx.rnd.between(0, span // 4))
        lasts = ctx.rnd.between(span // 2, span * 3 // 4)
    else:
        begins = start + timedelta(days=ctx.rnd.between(0, span * 2 // 3))
        lasts = ctx.rnd.between(20, max(21, span // 3))
    return begins, min(begins + timedelta(days=lasts), max(end, begins))


def _set_progress(ctx, timeline: Timeline, item: AgendaItem, recorder_id) -> None:
    """Set an item's status and percent done as of the day the story stops."""
    rnd = ctx.rnd
    as_of = timeline.ends_on
    if not timeline.got_to(S.ACTIVE) or item.planned_start > as_of:
        item.status, item.percent_done = ItemStatus.PLANNED, 0
        return
    finished = timeline.reached == S.COMPLETED
    if rnd.chance(0.04):
        item.status, item.percent_done = ItemStatus.DROPPED, rnd.between(0, 4) * 10
    elif finished or (item.due_date <= as_of and rnd.chance(0.85)):
        item.status, item.percent_done = ItemStatus.DONE, 100
    else:
        span = max((item.due_date - item.planned_start).days, 1)
        elapsed = (as_of - item.planned_start).days * 100 // span
        item.status = ItemStatus.IN_PROGRESS
        item.percent_done = max(5, min(95, elapsed + rnd.between(-15, 10)))
    _add_updates(ctx, item, min(as_of, item.due_date), recorder_id)


def _add_updates(ctx, item: AgendaItem, last_day: date, recorder_id) -> None:
    if item.percent_done == 0:
        return
    count = ctx.rnd.between(1, 2)
    moments = ctx.rnd.moments_within(item.planned_start, last_day, count)
    for step, moment in enumerate(moments, start=1):
        item.progress_updates.append(
            ProgressUpdate(
                recorded_at=moment,
                recorded_by_id=recorder_id,
                percent_done=item.percent_done * step // count,
                note=_progress_note(item, step == count),
            )
        )


def _progress_note(item: AgendaItem, last: bool) -> str:
    if last and item.status == ItemStatus.DONE:
        return "Completed as planned."
    if last and item.status == ItemStatus.DROPPED:
        return "Dropped: the campaign's priorities changed."
    return "Under way; next steps agreed with the client."

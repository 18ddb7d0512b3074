"""Demo money: revisions, spending, funding, seminar places and exchange rates."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from plp.demo_programmes import Timeline
from plp.demo_world import (
    CENT,
    RATES_TO_EUR,
    REPORTING_CURRENCY,
    DemoContext,
    euros_to,
    money_step,
    share_of,
)
from plp.enums import BudgetCategory, EnrolmentStatus, FundingStatus, SeminarStatus
from plp.enums import ProgrammeStatus as S
from plp.models import (
    Budget,
    BudgetLine,
    BudgetRevision,
    ExchangeRate,
    Expense,
    FundingApplication,
    Programme,
    Seminar,
    SeminarEnrolment,
    SeminarInterest,
)

# Why a line grew or shrank, told in terms of what the line pays for.
REASONS = {
    BudgetCategory.MENTORING: (
        ("Two more mentoring sessions agreed before the election.",
         "The mentor's sessions extended to cover the campaign's final weeks."),
        ("Fewer mentoring sessions needed than planned.",),
    ),
    BudgetCategory.COACHING: (
        ("Extra coaching sessions agreed before the election.",
         "Debate coaching added ahead of the televised debate."),
        ("Coaching finished early; the remaining sessions are released.",),
    ),
    BudgetCategory.TRAVEL: (
        ("A second study visit added to the agenda.",
         "Fares rose with the exchange rate."),
        ("The study visit was held online instead.",),
    ),
    BudgetCategory.RESIDENTIAL_SEMINAR: (
        ("Seminar travel cost more than quoted.",),
        ("The seminar place was cancelled and refunded.",),
    ),
    BudgetCategory.FACILITATION: (
        ("More review meetings needed while the campaign was under pressure.",),
        ("Reviews held by video call; the travel set aside is released.",),
    ),
    BudgetCategory.MATERIALS: (
        ("A second print run of leaflets before polling day.",),
        ("Materials donated by a supporter; the saving is returned.",),
    ),
    BudgetCategory.TRANSLATION: (
        ("Interpreting needed for the mentor's sessions.",),
        ("Volunteers translated the materials; the saving is returned.",),
    ),
    BudgetCategory.OTHER: (
        ("A larger venue needed for the volunteer workshop.",),
        ("The workshop venue was lent free of charge.",),
    ),
}  # fmt: skip

FUNDERS = (
    "Civic Futures Trust",
    "Open Horizons Foundation",
    "Northern Lights Democracy Fund",
    "The Agora Trust",
    "Bridgewater Civic Foundation",
    "Fondation Citoyenneté Active",
    "Stiftung Offene Gesellschaft",
    "Young Leaders Initiative",
    "Commonwealth of Ideas Fund",
    "The Hestia Trust",
)

FUNDING_WEIGHTS = {
    FundingStatus.DRAFT: 2,
    FundingStatus.SUBMITTED: 3,
    FundingStatus.AWARDED: 3,
    FundingStatus.PARTLY_AWARDED: 2,
    FundingStatus.REJECTED: 2,
    FundingStatus.WITHDRAWN: 1,
}

PAYEES = {
    BudgetCategory.TRAVEL: (
        "Skyline Air",
        "EuroRail Travel",
        "Hotel Meridian",
        "Continental Coaches",
        "City Cabs",
        "Airport Express",
    ),
    BudgetCategory.RESIDENTIAL_SEMINAR: ("Democracy School seminars",),
    BudgetCategory.FACILITATION: ("Democracy School facilitation",),
    BudgetCategory.MATERIALS: ("Printworks Cooperative", "Banner and Flyer Ltd"),
    BudgetCategory.TRANSLATION: ("LinguaBridge Translations", "Polyglot Partners"),
    BudgetCategory.OTHER: ("Community Hall Hire", "Event Services Co."),
}

SEMINARS = (
    # title, topic, location, days from today, length, places, fee in euros, status
    ("Winning your first election", "campaign strategy", "Vilnius, Lithuania",
     -200, 4, 24, 1200, SeminarStatus.HELD),
    ("Coalitions that last", "coalition building", "Lisbon, Portugal",
     75, 3, 20, 1350, SeminarStatus.CONFIRMED),
    ("Digital organising under pressure", "digital organising", "Tbilisi, Georgia",
     200, 4, 20, 1100, SeminarStatus.PROPOSED),
)  # fmt: skip

_PAID_TO_SOMEONE = (
    BudgetCategory.MENTORING,
    BudgetCategory.COACHING,
    BudgetCategory.RESIDENTIAL_SEMINAR,
)

INTEREST_TOPICS = (
    "Fundraising for small campaigns",
    "Media training for first-time candidates",
    "Running a campaign office",
)


@dataclass
class SeminarPlaces:
    """A seminar and the places on it not yet taken."""

    seminar: Seminar
    places_left: int


def add_seminars(session: Session, ctx: DemoContext) -> None:
    """Add the residential seminars the School runs or plans."""
    for title, topic, location, days, length, places, fee, status in SEMINARS:
        starts_on = ctx.today + timedelta(days=days)
        seminar = Seminar(
            title=title,
            topic=topic,
            location=location,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=length - 1),
            places=places,
            fee_per_place=Decimal(fee).quantize(CENT),
            currency=REPORTING_CURRENCY,
            status=status,
        )
        session.add(seminar)
        ctx.seminars.append(SeminarPlaces(seminar, places))
    session.flush()


def book_place(ctx: DemoContext, timeline: Timeline, currency: str):
    """Return a seminar place a programme takes, and its fee, or None."""
    if not timeline.got_to(S.AGENDA) or not ctx.rnd.chance(0.3):
        return None
    for places in ctx.seminars:
        seminar = places.seminar
        if places.places_left == 0 or not _fits(timeline, seminar):
            continue
        places.places_left -= 1
        fee = euros_to(currency, int(seminar.fee_per_place))
        return places.seminar, fee
    return None


def _fits(timeline: Timeline, seminar: Seminar) -> bool:
    if seminar.status == SeminarStatus.HELD:
        running = timeline.got_to(S.ACTIVE)
        return running and timeline.start_date <= seminar.starts_on <= timeline.ends_on
    if seminar.status == SeminarStatus.CONFIRMED:
        return timeline.status in (S.AGENDA, S.MATCHING, S.ACTIVE)
    return False


def add_enrolment(
    ctx: DemoContext, programme: Programme, timeline: Timeline, booking, line
) -> EnrolmentStatus:
    """Add a programme's place at a seminar, paid from its residential line."""
    seminar, fee = booking
    status = EnrolmentStatus.ENROLLED
    if seminar.status == SeminarStatus.HELD:
        cancelled = ctx.rnd.chance(0.1)
        status = EnrolmentStatus.CANCELLED if cancelled else EnrolmentStatus.ATTENDED
    booked_by = min(timeline.as_of, seminar.starts_on - timedelta(days=14))
    enrolment = SeminarEnrolment(
        seminar_id=seminar.id,
        programme=programme,
        budget_line=line,
        enrolled_on=ctx.rnd.day_between(timeline.entered[S.AGENDA], booked_by),
        fee=fee,
        status=status,
    )
    ctx.loose.append(enrolment)
    return enrolment.status


def add_interest(ctx: DemoContext, programme: Programme, timeline: Timeline) -> None:
    """Record interest in a planned seminar or in a seminar topic."""
    if not timeline.got_to(S.ASSESSMENT) or not ctx.rnd.chance(0.12):
        return
    planned = ctx.seminars[-1].seminar
    on_planned = ctx.rnd.chance(0.6)
    interest = SeminarInterest(
        programme=programme,
        seminar_id=planned.id if on_planned else None,
        topic=planned.topic if on_planned else ctx.rnd.pick(INTEREST_TOPICS),
        expressed_on=ctx.rnd.day_between(
            timeline.entered[S.ASSESSMENT], timeline.as_of
        ),
    )
    ctx.loose.append(interest)


def add_revisions(
    ctx: DemoContext,
    programme: Programme,
    timeline: Timeline,
    budget: Budget,
    planned_cost: Decimal,
) -> Decimal:
    """Add revisions to some agreed budgets; return the revised total."""
    rnd = ctx.rnd
    total = budget.agreed_total
    first = budget.agreed_on + timedelta(days=14)
    if timeline.as_of <= first or not rnd.chance(0.25):
        return total
    days = sorted(
        rnd.day_between(first, timeline.as_of) for _ in range(rnd.between(1, 2))
    )
    for day in days:
        line = rnd.pick(budget.lines)
        change, reason = _change(ctx, programme, line, total - planned_cost)
        if change == 0:
            continue
        approver = ctx.finance if rnd.chance(0.7) else ctx.administrator
        BudgetRevision(
            budget=budget,
            budget_line=line,
            amount_change=change,
            reason=reason,
            approved_by_id=approver.id,
            approved_on=day,
        )
        total += change
    return total


def _change(ctx, programme: Programme, line: BudgetLine, spare: Decimal):
    # Revisions move round sums, as the lines they change are planned in.
    currency = programme.currency
    if ctx.rnd.chance(0.75) or spare <= 0:
        rise = _round_sum(line.amount * ctx.rnd.fraction(0.10, 0.30), currency)
        return rise, ctx.rnd.pick(REASONS[line.category][0])
    cut = min(spare * ctx.rnd.fraction(0.3, 0.8), line.amount / 2)
    cut = _round_down(cut, money_step(currency))
    return -cut, ctx.rnd.pick(REASONS[line.category][1])


def add_expenses(
    ctx: DemoContext,
    programme: Programme,
    timeline: Timeline,
    budget: Budget,
    limit: Decimal,
    payees: dict[int, str],
) -> None:
    """Add the spending of a programme that has started, within its revised total.

    `payees` names who was paid from lines that pay someone known: mentors by
    their alias code, the School for a seminar place taken up. Such lines with
    nobody to pay have no spending.
    """
    if not timeline.got_to(S.ACTIVE):
        return
    spent = _spending_by_line(ctx, programme, timeline, budget, payees)
    total = sum(spent.values(), Decimal("0.00"))
    if total > limit:
        factor = limit / total
        spent = {
            line: (amount * factor).quantize(CENT, ROUND_DOWN)
            for line, amount in spent.items()
        }
    for line, amount in spent.items():
        _add_invoices(ctx, programme, timeline, line, amount, payees)


def _spending_by_line(ctx, programme, timeline: Timeline, budget, payees) -> dict:
    rnd = ctx.rnd
    planned_days = max((timeline.target_end_date - timeline.start_date).days, 1)
    progress = min(1, (timeline.ends_on - timeline.start_date).days / planned_days)
    pressured = rnd.pick(budget.lines) if rnd.chance(0.12) else None
    spent = {}
    for line in budget.lines:
        if line.category in _PAID_TO_SOMEONE and id(line) not in payees:
            share = Decimal(0)
        elif line is pressured:
            share = rnd.fraction(0.95, 1.12)
        elif timeline.reached == S.COMPLETED:
            share = rnd.fraction(0.8, 1.0)
        else:
            share = rnd.fraction(0.6, 1.05) * Decimal(str(round(progress, 3)))
        spent[line] = share_of(line.amount, share, programme.currency)
    return spent


# The smallest invoice of each kind worth sending, in euros: a session's fee,
# a bus ticket, a box of leaflets, a page of translation, a room for an hour.
SMALLEST_INVOICE = {
    BudgetCategory.MENTORING: 100,
    BudgetCategory.COACHING: 100,
    BudgetCategory.TRAVEL: 15,
    BudgetCategory.RESIDENTIAL_SEMINAR: 300,
    BudgetCategory.FACILITATION: 75,
    BudgetCategory.MATERIALS: 20,
    BudgetCategory.TRANSLATION: 30,
    BudgetCategory.OTHER: 20,
}

# Lines invoiced month by month while the programme runs, and how many
# invoices a month: mentors and coaches bill per session, facilitation per
# review meeting.
MONTHLY_INVOICES = {
    BudgetCategory.MENTORING: (3, 5),
    BudgetCategory.COACHING: (3, 5),
    BudgetCategory.FACILITATION: (2, 3),
}

# How many receipts the other lines gather over a programme's life.
RECEIPTS = {
    BudgetCategory.TRAVEL: (6, 16),
    BudgetCategory.RESIDENTIAL_SEMINAR: (1, 2),
    BudgetCategory.MATERIALS: (4, 12),
    BudgetCategory.TRANSLATION: (3, 8),
    BudgetCategory.OTHER: (4, 10),
}

# Days a trip's receipts spread over: the flight, the hotel, the taxis.
TRIP_DAYS = 10


def _add_invoices(ctx, programme, timeline, line, amount: Decimal, payees) -> None:
    """Plan the invoices sharing a line's spending, each a plausible round sum.

    They are written in bulk with the rest of the batch (see `write_expenses`).
    """
    rnd = ctx.rnd
    unit = invoice_unit(programme.currency)
    smallest = euros_to(programme.currency, SMALLEST_INVOICE[line.category])
    amount = _round_down(amount, unit)
    if amount < smallest:
        return
    first = timeline.start_date
    last = max(timeline.ends_on, first)
    wanted, evenly = _invoice_count(ctx, line.category, (last - first).days)
    count = min(wanted, int(amount / smallest))
    # Each invoice is at least the smallest; the rest is shared out unevenly,
    # a little for fees that recur, more for receipts.
    weights = [rnd.between(3, 5) if evenly else rnd.between(1, 5) for _ in range(count)]
    rest, whole = amount - smallest * count, sum(weights)
    parts = [smallest + _round_down(rest * w / whole, unit) for w in weights]
    parts[-1] += amount - sum(parts)
    days = _invoice_days(ctx, line.category, first, last, count, evenly)
    payee = payees.get(id(line))
    for part, day in zip(parts, days, strict=True):
        ctx.invoices += 1
        description = line.description
        if evenly:
            description = f"{description}, {MONTHS[day.month - 1]} {day.year}"
        ctx.expenses.append(
            PlannedExpense(
                programme=programme,
                line=line,
                incurred_on=day,
                amount=part,
                payee=payee or rnd.pick(PAYEES[line.category]),
                reference=f"INV-{day.year}-{ctx.invoices:07d}",
                description=description,
            )
        )


MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def _invoice_count(ctx, category, days: int) -> tuple[int, bool]:
    """Return how many invoices a line wants, and whether they come monthly."""
    if category in MONTHLY_INVOICES:
        months = max(1, round(days / 30.4))
        return months * ctx.rnd.between(*MONTHLY_INVOICES[category]), True
    return ctx.rnd.between(*RECEIPTS[category]), False


def _invoice_days(ctx, category, first: date, last: date, count: int, evenly: bool):
    """Return the invoices' days, in order and none after `last`."""
    rnd = ctx.rnd
    span = (last - first).days
    if evenly:
        # One within each equal stretch of the running time.
        return [
            first + timedelta(days=span * i // count + rnd.between(0, span // count))
            for i in range(count)
        ]
    if category == BudgetCategory.TRAVEL:
        # Trips: receipts a few days apart around each journey.
        trips = [rnd.day_between(first, last) for _ in range((count + 3) // 4)]
        days = [
            min(rnd.pick(trips) + timedelta(days=rnd.between(0, TRIP_DAYS)), last)
            for _ in range(count)
        ]
        return sorted(days)
    return sorted(rnd.day_between(first, last) for _ in range(count))


@dataclass(frozen=True)
class PlannedExpense:
    """An invoice to write once its programme and line have ids."""

    programme: Programme
    line: BudgetLine
    incurred_on: date
    amount: Decimal
    payee: str
    reference: str
    description: str


def write_expenses(session: Session, ctx: DemoContext) -> None:
    """Insert the batch's planned invoices, now that their records have ids.

    A million invoices would make the flush the slowest part of a benchmark
    School, so they go in as one bulk INSERT through the session, which the
    records' version notes like any other change. The flush-time rules do not
    see such an INSERT: each invoice meets them as planned instead. It is paid
    from a line of its own programme's budget, more than zero, in whole cents,
    and dated between the programme's start and the last day it ran, never
    after the demo's day.
    """
    rows = [
        {
            "programme_id": planned.programme.id,
            "budget_line_id": planned.line.id,
            "incurred_on": planned.incurred_on,
            "amount": planned.amount,
            "payee": planned.payee,
            "reference": planned.reference,
            "description": planned.description,
            "version": 1,
        }
        for planned in ctx.expenses
    ]
    ctx.expenses.clear()
    if rows:
        session.execute(insert(Expense), rows)


def invoice_unit(currency: str) -> Decimal:
    """Return the unit invoices are rounded to: half a unit, or a coin's worth."""
    step = money_step(currency) / 10
    return Decimal("0.50") if step == 1 else step.quantize(CENT)


def _round_down(amount: Decimal, unit: Decimal) -> Decimal:
    return ((amount / unit).quantize(Decimal(1), ROUND_DOWN) * unit).quantize(CENT)


def add_funding(
    ctx: DemoContext, programme: Programme, timeline: Timeline, budget: Budget
) -> None:
    """Add applications to trusts for some programmes with a costed budget."""
    rnd = ctx.rnd
    # More applications while some outcome is still missing, so that even a
    # small School shows every one.
    missing = ctx.unseen.get(FundingStatus, list(FundingStatus))
    if not timeline.got_to(S.BUDGET) or not rnd.chance(0.8 if missing else 0.35):
        return
    lines_total = sum((line.amount for line in budget.lines), Decimal("0.00"))
    funders = rnd.rng.sample(FUNDERS, 2 if rnd.chance(0.2) else 1)
    for funder in funders:
        allowed = list(FundingStatus)
        if timeline.reached == S.BUDGET:
            allowed = [FundingStatus.DRAFT, FundingStatus.SUBMITTED]
        status = ctx.cover(allowed, FUNDING_WEIGHTS)
        ctx.seen(status)
        asked = _round_sum(lines_total * rnd.fraction(0.3, 1.0), programme.currency)
        submitted, decided = _funding_dates(ctx, timeline, status)
        FundingApplication(
            programme=programme,
            funder=funder,
            amount_asked=asked,
            status=status,
            amount_awarded=_awarded(ctx, status, asked, programme.currency),
            submitted_on=submitted,
            decided_on=decided,
        )


def _round_sum(amount: Decimal, currency: str) -> Decimal:
    step = money_step(currency)
    return max((amount / step).quantize(Decimal(1), ROUND_DOWN) * step, step).quantize(
        CENT
    )


def _awarded(ctx, status: FundingStatus, asked: Decimal, currency: str):
    if status == FundingStatus.AWARDED:
        return asked
    if status == FundingStatus.PARTLY_AWARDED:
        part = _round_sum(asked * ctx.rnd.fraction(0.4, 0.85), currency)
        return min(part, asked - CENT)
    return None


def _funding_dates(ctx, timeline: Timeline, status: FundingStatus):
    if status == FundingStatus.DRAFT:
        return None, None
    first, last = timeline.entered[S.BUDGET], timeline.as_of
    submitted = ctx.rnd.day_between(first, max(first, last - timedelta(days=30)))
    if status in (FundingStatus.SUBMITTED, FundingStatus.WITHDRAWN):
        return submitted, None
    decided_from = min(submitted + timedelta(days=30), last)
    return submitted, ctx.rnd.day_between(decided_from, last)


def add_exchange_rates(session: Session, ctx: DemoContext) -> None:
    """Add quarterly rates to the reporting currency for every currency used."""
    quarters = _quarter_starts(ctx.today)
    for currency in sorted(ctx.currencies):
        if currency == REPORTING_CURRENCY:
            continue
        for valid_from in quarters:
            drift = 1 + (ctx.rnd.fraction(0, 0.06) - Decimal("0.03"))
            session.add(
                ExchangeRate(
                    currency=currency,
                    reporting_currency=REPORTING_CURRENCY,
                    rate=(RATES_TO_EUR[currency] * drift).quantize(Decimal("1e-8")),
                    valid_from=valid_from,
                )
            )


def _quarter_starts(today: date) -> list[date]:
    """Return the first day of each quarter from three years ago to today."""
    return [
        date(year, month, 1)
        for year in range(today.year - 3, today.year + 1)
        for month in (1, 4, 7, 10)
        if date(year, month, 1) <= today
    ]

"""A realistic, repeatable demo School, and the accounts to explore it with.

The same seed and size always give the same School: names, e-mails, amounts,
dates, alias codes and references all come from seeded chance, and dates count
back from a fixed day rather than from the clock.
"""

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plp.db import Base
from plp.demo_finance import (
    add_enrolment,
    add_exchange_rates,
    add_expenses,
    add_funding,
    add_interest,
    add_revisions,
    add_seminars,
    book_place,
    write_expenses,
)
from plp.demo_matching import (
    add_check_ins,
    add_matches,
    add_shortlists,
    write_agreements,
)
from plp.demo_people import add_facilitators, add_mentors
from plp.demo_programmes import (
    add_agenda,
    add_assessment,
    add_budget,
    new_programme,
    plan_timeline,
    programme_statuses,
)
from plp.demo_world import DemoContext, DemoRandom
from plp.enums import BudgetCategory, EnrolmentStatus, ProgrammeStatus, Role
from plp.errors import DomainError, InvalidValue, RuleBroken
from plp.models import Programme, User
from plp.services.accounts import authenticate, find_user, hash_password
from plp.services.audit import record_event

logger = logging.getLogger(__name__)

DEFAULT_SIZE = 60
DEFAULT_SEED = 1

# The demo's dates lead up to this day, not to the clock's, so that loading
# the same seed and size on another day gives the same School.
REFERENCE_DATE = date(2026, 11, 30)

# Programmes written per flush: large enough to keep the inserts batched,
# small enough to keep the session's memory flat at twenty thousand.
BATCH_SIZE = 500


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in for one role, with its published password."""

    email: str
    role: Role
    name: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("administrator@school.example.org", Role.ADMINISTRATOR,
                "Amira Haddad", "demo-administrator-password"),
    DemoAccount("facilitator@school.example.org", Role.FACILITATOR,
                "Tomasz Nowak", "demo-facilitator-password"),
    DemoAccount("facilitator2@school.example.org", Role.FACILITATOR,
                "Grace Okafor", "demo-facilitator2-password"),
    DemoAccount("coordinator@school.example.org", Role.COORDINATOR,
                "Lucía Fernández", "demo-coordinator-password"),
    DemoAccount("director@school.example.org", Role.DIRECTOR,
                "Jonas Lindqvist", "demo-director-password"),
    DemoAccount("finance@school.example.org", Role.FINANCE,
                "Priya Raman", "demo-finance-password"),
)  # fmt: skip

# What became of a demo account: made just now, there and opened by its demo
# password (whoever made it, such as demo-data a moment before), or there with
# a password someone has changed since.
CREATED = "created"
READY = "ready"
PASSWORD_CHANGED = "password changed; the demo password no longer opens it"


class SchoolNotEmpty(DomainError):
    """The School already has programmes, which demo data would mix with."""


@dataclass(frozen=True)
class AccountOutcome:
    """What became of one demo account."""

    account: DemoAccount
    outcome: str


def ensure_demo_accounts(session: Session) -> list[AccountOutcome]:
    """Create the demo accounts that are missing and say what became of each."""
    outcomes = []
    for account, created in _demo_users(session):
        outcome = CREATED
        if not created:
            opens = authenticate(session, account.email, account.password)
            outcome = READY if opens else PASSWORD_CHANGED
        outcomes.append(AccountOutcome(account, outcome))
    session.commit()

    logger.info("demo accounts: %s", [(o.account.email, o.outcome) for o in outcomes])
    return outcomes


def _demo_users(session: Session) -> list[tuple[DemoAccount, bool]]:
    found = []
    for account in DEMO_ACCOUNTS:
        user = find_user(session, account.email)
        if user is None:
            session.add(
                User(
                    email=account.email,
                    name=account.name,
                    role=account.role,
                    password_hash=hash_password(account.password),
                )
            )
        elif user.role != account.role:
            raise RuleBroken(
                f"{account.email} already has an account as a {user.role}; the demo "
                f"needs it to be the {account.role}."
            )
        found.append((account, user is None))
    session.flush()
    return found


def count_programmes(session: Session) -> int:
    """Count the School's programmes."""
    return session.execute(select(func.count(Programme.id))).scalar_one()


def build_demo_school(
    session: Session,
    size: int = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    today: date = REFERENCE_DATE,
) -> dict[str, int]:
    """Fill a School without programmes with demo data; return rows per table.

    The demo's dates lead up to `today`, or to the real today if that is
    earlier. All of it is written or, if anything is refused, none of it.
    """
    if size < 1:
        raise InvalidValue(
            f"Size: {size} is not a number of programmes; give 1 or more"
        )
    existing = count_programmes(session)
    if existing:
        raise SchoolNotEmpty(
            f"The database already has {existing} programmes; demo data goes only "
            "into a School that has none, so that it never mixes with real records."
        )

    if today > date.today():
        # Nothing may be spent or recorded in the future, so neither may the demo.
        logger.info("demo school: %s is in the future; using today", today)
        today = date.today()

    try:
        _write_school(session, size, seed, today)
    except Exception:
        session.rollback()
        raise
    return count_rows(session)


def _write_school(session: Session, size: int, seed: int, today: date) -> None:
    """Write the whole School in batches of programmes and commit it once."""
    ctx = _prepare(session, size, seed, today)
    statuses = programme_statuses(ctx, size)
    with _collecting_once_a_batch():
        for start in range(0, size, BATCH_SIZE):
            _write_batch(session, ctx, statuses[start : start + BATCH_SIZE])
            gc.collect()
            written = min(start + BATCH_SIZE, size)
            logger.info("demo school: %s of %s programmes written", written, size)
    add_exchange_rates(session, ctx)
    add_shortlists(session, ctx)
    session.commit()


@contextmanager
def _collecting_once_a_batch() -> Iterator[None]:
    """Keep Python's cycle collector to one collection per batch.

    A batch builds and drops tens of thousands of linked records. At the usual
    thresholds the collector runs thousands of times, walking every live
    object each time (a third of the run); never collecting lets memory grow
    with every batch. Objects alive beforehand, such as the mentor pool, are
    frozen out of the walks.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _prepare(session: Session, size: int, seed: int, today: date) -> DemoContext:
    """Add the staff, seminars and mentor pool every programme draws on."""
    rnd = DemoRandom(seed)
    _demo_users(session)
    staff = {
        account.email: find_user(session, account.email) for account in DEMO_ACCOUNTS
    }
    demo_facilitators = [u for u in staff.values() if u.role == Role.FACILITATOR]
    # A few more facilitators spread the programmes, as in a real School.
    generated = add_facilitators(session, rnd, min(10, max(3, size // 40)))
    session.flush()

    ctx = DemoContext(
        rnd=rnd,
        today=today,
        administrator=staff[DEMO_ACCOUNTS[0].email],
        finance=staff[DEMO_ACCOUNTS[5].email],
        coordinator=staff[DEMO_ACCOUNTS[3].email],
        facilitators=demo_facilitators + generated,
    )
    add_seminars(session, ctx)
    ctx.pool = add_mentors(session, rnd, max(12, size // 2))
    return ctx


def _write_batch(session: Session, ctx: DemoContext, statuses: list) -> None:
    """Write some programmes, then what needs their ids: agreements and events."""
    for status in statuses:
        programme = _build_programme(ctx, status)
        # Added once whole: the session takes in what a record holds when added.
        session.add(programme)
        session.add_all(ctx.loose)
        ctx.loose.clear()
    session.flush()

    write_expenses(session, ctx)
    write_agreements(session, ctx)
    session.flush()

    for pending in ctx.events:
        event = record_event(
            session,
            pending.actor,
            pending.entity,
            pending.action,
            pending.from_state,
            pending.to_state,
            pending.note,
            pending.automated_by,
        )
        event.occurred_at = pending.moment
    ctx.events.clear()
    session.flush()


def _build_programme(ctx: DemoContext, status: ProgrammeStatus) -> Programme:
    """Return a new programme with everything its stage implies."""
    timeline = plan_timeline(ctx, status)
    programme, story = new_programme(ctx, timeline)
    add_interest(ctx, programme, timeline)
    if not timeline.got_to(ProgrammeStatus.ASSESSMENT):
        return programme

    needs = add_assessment(ctx, programme, timeline, story)
    if not timeline.got_to(ProgrammeStatus.BUDGET):
        return programme

    booking = book_place(ctx, timeline, programme.currency)
    budget = add_budget(ctx, programme, timeline, booking[1] if booking else None)
    add_funding(ctx, programme, timeline, budget)
    if not timeline.got_to(ProgrammeStatus.AGENDA):
        return programme

    agenda = add_agenda(ctx, programme, timeline, needs, budget)
    plans = add_matches(ctx, programme, timeline, needs, budget.lines)
    ctx.agreements.extend(plans)
    payees = {id(p.line): f"Mentor honorarium, {p.member.alias_code}" for p in plans}
    if booking:
        _take_place(ctx, programme, timeline, booking, payees)

    planned = sum((item.cost for item in agenda.items), Decimal("0.00"))
    limit = add_revisions(ctx, programme, timeline, budget, planned)
    add_expenses(ctx, programme, timeline, budget, limit, payees)
    add_check_ins(ctx, programme, timeline)
    return programme


def _take_place(ctx, programme: Programme, timeline, booking, payees) -> None:
    """Enrol a programme at its seminar; a place taken up is paid to the School."""
    line = next(
        line
        for line in programme.budget.lines
        if line.category == BudgetCategory.RESIDENTIAL_SEMINAR
    )
    status = add_enrolment(ctx, programme, timeline, booking, line)
    if status == EnrolmentStatus.ATTENDED:
        payees[id(line)] = "Democracy School seminars"


def count_rows(session: Session) -> dict[str, int]:
    """Return the number of rows in every table, by table name."""
    return {
        table.name: session.execute(
            select(func.count()).select_from(table)
        ).scalar_one()
        for table in Base.metadata.sorted_tables
    }

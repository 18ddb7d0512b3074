"""Money agreed, committed, spent and secured, per programme and for the portfolio.

Planned (budget lines), committed (finalised agreements and seminar places)
and spent (expenses) are kept apart. Amounts are summed in SQL per currency;
converting to the School's reporting currency happens afterwards with the
recorded exchange rates, exactly, and a currency without a rate is reported
as missing rather than counted as zero.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from plp.db import Money
from plp.enums import COMMITTING_AGREEMENTS, FUNDING_SECURED, EnrolmentStatus
from plp.models import (
    Agreement,
    Budget,
    BudgetLine,
    BudgetRevision,
    ExchangeRate,
    Expense,
    FundingApplication,
    Programme,
    SeminarEnrolment,
)
from plp.queries.filters import PortfolioFilter, in_period, programme_ids

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


# The kinds of money a programme has, in the order they are shown.
KINDS = ("agreed", "committed", "spent", "secured")

# Portfolio totals add each programme's funding gap: agreed less secured,
# never below zero, so one programme's surplus does not hide another's gap.
TOTALS = (*KINDS, "gap")

# Said where spending has no budget line to put it under.
NO_LINE = "no budget line"


@dataclass(frozen=True)
class ProgrammeMoney:
    """One programme's money in its own currency; agreed is None until agreed."""

    reference: str
    currency: str
    agreed: Decimal | None
    committed: Decimal
    spent: Decimal
    secured: Decimal

    @property
    def funding_gap(self) -> Decimal | None:
        """Return the agreed total less what funders have secured."""
        if self.agreed is None:
            return None
        return max(self.agreed - self.secured, ZERO)

    @property
    def spent_share(self) -> Decimal | None:
        """Return the share of the agreed total spent, or None with nothing agreed."""
        if not self.agreed:
            return None
        return self.spent / self.agreed


@dataclass
class Converted:
    """Amounts in the reporting currency, and the currencies that had no rate."""

    currency: str
    amounts: dict[str, Decimal] = field(default_factory=dict)
    missing: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    rates: dict[str, Decimal] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Tell whether every currency could be converted."""
        return not self.missing


def exchange_rates(session: Session, reporting: str, on: date) -> dict[str, Decimal]:
    """Return each currency's rate to the reporting currency valid on a day."""
    latest = (
        select(
            ExchangeRate.currency,
            func.max(ExchangeRate.valid_from).label("valid_from"),
        )
        .where(
            ExchangeRate.reporting_currency == reporting,
            ExchangeRate.valid_from <= on,
        )
        .group_by(ExchangeRate.currency)
        .subquery()
    )
    query = select(ExchangeRate.currency, ExchangeRate.rate).join(
        latest,
        (latest.c.currency == ExchangeRate.currency)
        & (latest.c.valid_from == ExchangeRate.valid_from),
    )
    query = query.where(ExchangeRate.reporting_currency == reporting)
    rates = dict(session.execute(query).tuples().all())
    rates[reporting] = Decimal(1)
    return rates


def convert(
    by_currency: dict[str, dict[str, Decimal]],
    rates: dict[str, Decimal],
    reporting: str,
) -> Converted:
    """Convert {currency: {kind: amount}} into reporting-currency totals.

    Each currency's total is converted once and rounded to the cent, so a
    portfolio total is the sum of figures a person can check by hand. A gap
    that is simply agreed less secured is converted as the difference of
    those two converted figures, so that it never differs from it by a cent.
    """
    result = Converted(currency=reporting)
    for currency, amounts in sorted(by_currency.items()):
        rate = rates.get(currency)
        if rate is None:
            result.missing[currency] = amounts
            continue
        result.rates[currency] = rate
        converted = {
            kind: (amount * rate).quantize(CENT) for kind, amount in amounts.items()
        }
        if _gap_is_the_difference(amounts):
            converted["gap"] = converted["agreed"] - converted["secured"]
        for kind, amount in converted.items():
            result.amounts[kind] = result.amounts.get(kind, ZERO) + amount
    return result


def _gap_is_the_difference(amounts: dict[str, Decimal]) -> bool:
    if not {"gap", "agreed", "secured"} <= amounts.keys():
        return False
    return amounts["gap"] == amounts["agreed"] - amounts["secured"]


def money_by_programme(
    session: Session, portfolio: PortfolioFilter
) -> list[ProgrammeMoney]:
    """Return every covered programme's agreed, committed, spent and secured money."""
    query = _programme_money_query(portfolio).order_by(Programme.reference)
    return [ProgrammeMoney(*row) for row in session.execute(query).tuples()]


def money_by_currency(
    session: Session, portfolio: PortfolioFilter
) -> dict[str, dict[str, Decimal]]:
    """Return the covered programmes' money summed per currency, by kind."""
    rows = _programme_money_query(portfolio).subquery()
    gap = case(
        (rows.c.agreed > rows.c.secured, rows.c.agreed - rows.c.secured),
        else_=literal(ZERO, Money()),
    )
    sums = [func.sum(rows.c[kind]) for kind in KINDS] + [func.sum(gap)]
    query = select(rows.c.currency, *sums).group_by(rows.c.currency)
    totals = {}
    for currency, *amounts in session.execute(query).tuples():
        totals[currency] = {
            kind: _money(amount) for kind, amount in zip(TOTALS, amounts, strict=True)
        }
    return totals


def sum_by_currency(rows: Iterable[ProgrammeMoney]) -> dict[str, dict[str, Decimal]]:
    """Return the money of programmes already read, summed per currency, by kind.

    The same totals as `money_by_currency`, for a view that has read each
    programme's money anyway: summing those rows again is cheaper than a
    second statement.
    """
    totals: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        sums = totals.setdefault(row.currency, dict.fromkeys(TOTALS, ZERO))
        sums["agreed"] += row.agreed or ZERO
        sums["committed"] += row.committed
        sums["spent"] += row.spent
        sums["secured"] += row.secured
        sums["gap"] += row.funding_gap or ZERO
    return totals


def agreed_by_currency(
    session: Session, portfolio: PortfolioFilter
) -> dict[str, dict[str, Decimal]]:
    """Return the covered programmes' agreed totals summed per currency.

    The agreed part of `money_by_currency`, for a chart that needs no more:
    a currency whose programmes have no agreed budget yet sums to zero.
    """
    agreed = _agreed_totals().subquery()
    query = (
        select(Programme.currency, func.sum(agreed.c.amount))
        .outerjoin(agreed, agreed.c.programme_id == Programme.id)
        .where(Programme.id.in_(programme_ids(portfolio)))
        .group_by(Programme.currency)
    )
    return {
        currency: {"agreed": _money(amount)}
        for currency, amount in session.execute(query).tuples()
    }


def _programme_money_query(portfolio: PortfolioFilter):
    """Return one statement giving each covered programme's money by kind."""
    covered = programme_ids(portfolio).subquery()
    agreed = _agreed_totals().subquery()
    committed = _committed_by_programme().subquery()
    spent = (
        select(Expense.programme_id, func.sum(Expense.amount).label("amount"))
        .group_by(Expense.programme_id)
        .subquery()
    )
    secured = (
        select(
            FundingApplication.programme_id,
            func.sum(FundingApplication.amount_awarded).label("amount"),
        )
        .where(FundingApplication.status.in_(FUNDING_SECURED))
        .group_by(FundingApplication.programme_id)
        .subquery()
    )
    zero = literal(ZERO, Money())
    return (
        select(
            Programme.reference,
            Programme.currency,
            agreed.c.amount.label("agreed"),
            func.coalesce(committed.c.amount, zero).label("committed"),
            func.coalesce(spent.c.amount, zero).label("spent"),
            func.coalesce(secured.c.amount, zero).label("secured"),
        )
        .join(covered, covered.c.id == Programme.id)
        .outerjoin(agreed, agreed.c.programme_id == Programme.id)
        .outerjoin(committed, committed.c.programme_id == Programme.id)
        .outerjoin(spent, spent.c.programme_id == Programme.id)
        .outerjoin(secured, secured.c.programme_id == Programme.id)
    )


def _agreed_totals():
    """Return each agreed budget's total with its revisions applied."""
    revisions = (
        select(
            BudgetRevision.budget_id,
            func.sum(BudgetRevision.amount_change).label("amount"),
        )
        .group_by(BudgetRevision.budget_id)
        .subquery()
    )
    zero = literal(ZERO, Money())
    return (
        select(
            Budget.programme_id,
            (Budget.agreed_total + func.coalesce(revisions.c.amount, zero)).label(
                "amount"
            ),
        )
        .outerjoin(revisions, revisions.c.budget_id == Budget.id)
        .where(Budget.agreed_total.is_not(None))
    )


def _committed_by_programme():
    """Return the money committed per programme: agreements and seminar places."""
    agreements = select(
        Agreement.programme_id.label("programme_id"), Agreement.fee.label("amount")
    ).where(Agreement.status.in_(COMMITTING_AGREEMENTS))
    places = select(
        SeminarEnrolment.programme_id.label("programme_id"),
        SeminarEnrolment.fee.label("amount"),
    ).where(SeminarEnrolment.status != EnrolmentStatus.CANCELLED)
    both = agreements.union_all(places).subquery()
    return select(
        both.c.programme_id, func.sum(both.c.amount).label("amount")
    ).group_by(both.c.programme_id)


def money_by_category(
    session: Session, portfolio: PortfolioFilter
) -> dict[tuple[str, str], dict[str, Decimal]]:
    """Return planned, committed and spent money per (currency, budget category)."""
    covered = programme_ids(portfolio)
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
        lambda: {"planned": ZERO, "committed": ZERO, "spent": ZERO}
    )
    for kind, query in (
        ("planned", _planned_by_category(covered)),
        ("committed", _committed_by_category(covered)),
        ("spent", _spent_by_category(covered)),
    ):
        for currency, category, amount in session.execute(query).tuples():
            totals[(currency, str(category or NO_LINE))][kind] = _money(amount)
    return dict(totals)


def _planned_by_category(covered):
    return (
        select(Programme.currency, BudgetLine.category, func.sum(BudgetLine.amount))
        .join(Budget, Budget.id == BudgetLine.budget_id)
        .join(Programme, Programme.id == Budget.programme_id)
        .where(Programme.id.in_(covered))
        .group_by(Programme.currency, BudgetLine.category)
    )


def _committed_by_category(covered):
    agreements = select(
        Agreement.programme_id, Agreement.budget_line_id, Agreement.fee.label("amount")
    ).where(Agreement.status.in_(COMMITTING_AGREEMENTS))
    places = select(
        SeminarEnrolment.programme_id,
        SeminarEnrolment.budget_line_id,
        SeminarEnrolment.fee.label("amount"),
    ).where(SeminarEnrolment.status != EnrolmentStatus.CANCELLED)
    both = agreements.union_all(places).subquery()
    return (
        select(Programme.currency, BudgetLine.category, func.sum(both.c.amount))
        .select_from(both)
        .join(Programme, Programme.id == both.c.programme_id)
        .outerjoin(BudgetLine, BudgetLine.id == both.c.budget_line_id)
        .where(Programme.id.in_(covered))
        .group_by(Programme.currency, BudgetLine.category)
    )


def _spent_by_category(covered):
    # Summed per programme and budget line first, in the order of the index
    # that holds both with the amount, so only those sums are joined and
    # grouped again rather than every expense.
    by_line = (
        select(
            Expense.programme_id,
            Expense.budget_line_id,
            func.sum(Expense.amount).label("amount"),
        )
        .group_by(Expense.programme_id, Expense.budget_line_id)
        .subquery()
    )
    return (
        select(Programme.currency, BudgetLine.category, func.sum(by_line.c.amount))
        .select_from(by_line)
        .join(Programme, Programme.id == by_line.c.programme_id)
        .outerjoin(BudgetLine, BudgetLine.id == by_line.c.budget_line_id)
        .where(Programme.id.in_(covered))
        .group_by(Programme.currency, BudgetLine.category)
    )


def monthly_spending(
    session: Session, portfolio: PortfolioFilter
) -> list[tuple[str, str, Decimal]]:
    """Return (month as YYYY-MM, currency, amount spent) for the covered programmes."""
    month = _month_of(session, Expense.incurred_on)
    query = (
        select(month.label("month"), Programme.currency, func.sum(Expense.amount))
        .join(Programme, Programme.id == Expense.programme_id)
        .where(Programme.id.in_(programme_ids(portfolio)))
        .where(*in_period(Expense.incurred_on, portfolio))
        .group_by(month, Programme.currency)
        .order_by(month, Programme.currency)
    )
    return [
        (month, currency, _money(amount))
        for month, currency, amount in session.execute(query).tuples()
    ]


def _month_of(session: Session, column):
    """Return a portable SQL expression for a date's month as YYYY-MM."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _money(amount: Decimal | None) -> Decimal:
    """Return a sum read back through the Money type, or zero for no rows."""
    return ZERO if amount is None else amount


# A programme that has spent this share of its agreed total is near its budget.
NEAR_BUDGET = Decimal("0.90")


def over_or_near_budget(
    rows: Iterable[ProgrammeMoney], limit: int, near: Decimal = NEAR_BUDGET
) -> tuple[list[ProgrammeMoney], int]:
    """Return the programmes already read that have spent `near` of their budget.

    The most spent share comes first, up to `limit` programmes, with how many
    there are in all; the shares are compared exactly.
    """
    found = [
        row
        for row in rows
        if row.agreed and row.agreed > 0 and row.spent >= row.agreed * near
    ]
    found.sort(
        key=lambda row: (-Fraction(row.spent) / Fraction(row.agreed), row.reference)
    )
    return found[:limit], len(found)

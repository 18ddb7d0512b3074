"""Spending against budgets: agreed, committed and spent, by programme, category
and month, the programmes over or near budget, and the funding gap."""

from dash import Output, dcc, html

from dashboards import figures, ids
from dashboards.access import SPENDING, for_page
from dashboards.context import (
    cached_queries,
    read_filter,
    reporting_currency,
    today,
)
from dashboards.filters import FilterValues
from dashboards.layout import FILTER_INPUTS
from plp.queries.money import (
    NEAR_BUDGET,
    Converted,
    agreed_by_currency,
    convert,
    exchange_rates,
    money_by_category,
    money_by_programme,
    monthly_spending,
    over_or_near_budget,
    sum_by_currency,
)

TOTAL_NAMES = {
    "agreed": "Agreed",
    "committed": "Committed",
    "spent": "Spent",
    "secured": "Funding secured",
    "gap": "Funding gap",
}


def layout(values: FilterValues):
    """Return the spending page's components, drawn by its callbacks."""
    return [
        html.H1("Spending against budgets"),
        dcc.Loading(html.Div(id=ids.SPENDING_TOTALS, className="totals")),
        dcc.Graph(id=ids.SPENDING_MONTHLY, className="chart wide"),
        html.Div(
            [
                dcc.Graph(id=ids.SPENDING_PROGRAMMES, className="chart"),
                dcc.Graph(id=ids.SPENDING_NEAR_BUDGET, className="chart"),
            ],
            className="charts",
        ),
        dcc.Graph(id=ids.SPENDING_CATEGORIES, className="chart wide"),
    ]


def register(app) -> None:
    """Register the spending page's callbacks."""

    @app.callback(
        Output(ids.SPENDING_TOTALS, "children"),
        Output(ids.SPENDING_PROGRAMMES, "figure"),
        Output(ids.SPENDING_NEAR_BUDGET, "figure"),
        *FILTER_INPUTS,
    )
    @for_page(SPENDING)
    def draw_programmes(*filters):
        """Draw the portfolio totals, money per programme and budgets nearly spent."""
        queries, currency, rates = _money_context()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        # Each programme's money is read once; the totals and the budget
        # watch are worked out from those rows rather than read again.
        rows = queries(money_by_programme, portfolio)
        totals = convert(sum_by_currency(rows), rates, currency)
        near, count = over_or_near_budget(rows, figures.TOP_N)
        return (
            totals_panel(totals, today()),
            figures.programme_money_chart(rows, rates, currency),
            figures.near_budget_chart(near, count, NEAR_BUDGET),
        )

    @app.callback(
        Output(ids.SPENDING_MONTHLY, "figure"),
        *FILTER_INPUTS,
    )
    @for_page(SPENDING)
    def draw_months(*filters):
        """Draw spending month by month against the agreed budget."""
        queries, currency, rates = _money_context()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        agreed = convert(queries(agreed_by_currency, portfolio), rates, currency)
        return figures.monthly_spending_chart(
            queries(monthly_spending, portfolio),
            rates,
            currency,
            agreed.amounts.get("agreed"),
        )

    @app.callback(
        Output(ids.SPENDING_CATEGORIES, "figure"),
        *FILTER_INPUTS,
    )
    @for_page(SPENDING)
    def draw_categories(*filters):
        """Draw planned, committed and spent money per budget category."""
        queries, currency, rates = _money_context()
        portfolio, _ = read_filter(FilterValues.of(*filters), queries)
        rows = queries(money_by_category, portfolio)
        return figures.category_chart(rows, rates, currency)


def _money_context():
    """Return the queries' cache, the reporting currency and today's rates to it."""
    queries, currency = cached_queries(), reporting_currency()
    return queries, currency, queries(exchange_rates, currency, today())


def totals_panel(totals: Converted, on) -> list:
    """Return the portfolio totals as text, with what could not be converted."""
    currency = totals.currency
    cells = [
        html.Div(
            [
                html.Span(name, className="tile-title"),
                html.Span(
                    figures.money_text(totals.amounts[kind], currency)
                    if kind in totals.amounts
                    else "none",
                    className="tile-value",
                ),
            ],
            className="tile",
        )
        for kind, name in TOTAL_NAMES.items()
    ]
    used = [
        f"1 {name} = {format(rate.normalize(), 'f')}" for name, rate in _rates(totals)
    ]
    notes = [
        html.Details(
            [
                html.Summary(
                    f"Totals in {currency}, at the exchange rates recorded for "
                    f"{on:%d %B %Y}"
                ),
                html.P(", ".join(used) or f"Every amount is in {currency}."),
            ]
        )
    ]
    for missing, amounts in totals.missing.items():
        written = ", ".join(
            f"{kind} {figures.money_text(amount, missing)}"
            for kind, amount in amounts.items()
            if amount
        )
        notes.append(
            html.P(
                f"Missing: no exchange rate from {missing} to {currency} is "
                f"recorded, so these are not in the totals: {written or 'no amounts'}.",
                className="missing",
            )
        )
    return [html.Div(cells, className="tiles"), *notes]


def _rates(totals: Converted) -> list:
    return [(c, r) for c, r in totals.rates.items() if c != totals.currency]

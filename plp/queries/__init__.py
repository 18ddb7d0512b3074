"""Read-only questions about the portfolio, answered by aggregating in SQL.

The directors' dashboards and the finance workbooks ask the same questions;
each is a function here that takes a session and a `PortfolioFilter` and
returns plain rows, never model objects, so that no caller can reach a
person's identity through them.
"""

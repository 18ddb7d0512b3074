"""The `flask --app app plp ...` commands."""

import time
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from admin.config import proposal_expiry_days
from admin.extensions import db
from plp.demo import (
    DEFAULT_SEED,
    DEFAULT_SIZE,
    PASSWORD_CHANGED,
    REFERENCE_DATE,
    build_demo_school,
    count_programmes,
    ensure_demo_accounts,
)
from plp.enums import Role
from plp.errors import DomainError
from plp.importer import ImportRefused, build_template, import_workbook
from plp.services.accounts import create_user, find_user
from plp.services.matching import expire_proposals

plp_group = AppGroup("plp", help="Manage the School's records.")


def init_app(app: Flask) -> None:
    """Add the `plp` command group to the application."""
    app.cli.add_command(plp_group)


@plp_group.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="What the member of staff does.",
)
@click.option("--name", help="Full name; the part of the e-mail before @ if omitted.")
@click.password_option(help="At least 10 characters; prompted for if omitted.")
def create_user_command(email: str, role: str, name: str | None, password: str):
    """Create a staff account that can sign in to PLP Manager."""
    try:
        user = create_user(db.session, email, role, password, name=name)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Created {user.email} ({user.role.value}).")


@plp_group.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--as",
    "importer_email",
    required=True,
    metavar="EMAIL",
    help="The administrator recorded as the importer.",
)
def import_command(workbook: str, importer_email: str):
    """Load a School's records from a workbook made from the import template.

    All or nothing: every problem is listed and nothing is written while any
    row is wrong. Importing the same workbook again updates, not duplicates.
    """
    actor = find_user(db.session, importer_email)
    if actor is None or not actor.active:
        raise click.ClickException(f"{importer_email} is not an active staff account.")
    try:
        report = import_workbook(db.session, workbook, actor)
    except ImportRefused as refusal:
        for problem in refusal.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(refusal)) from None
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    for line in report.lines():
        click.echo(line)


@plp_group.command("import-template")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def import_template_command(path: str):
    """Write the empty import workbook, one sheet per kind of record."""
    Path(path).write_bytes(build_template())
    click.echo(f"Wrote the import template to {path}.")


@plp_group.command("demo-data")
@click.option(
    "--size",
    default=DEFAULT_SIZE,
    show_default=True,
    type=click.IntRange(min=1),
    help="Number of programmes; 20000 makes a School for benchmarks.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    help="The same seed and size always give the same School.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help=f"The day the demo's dates lead up to (YYYY-MM-DD); {REFERENCE_DATE} "
    "if omitted, so that every load is the same.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing, and succeed, if the School already has programmes.",
)
def demo_data_command(size: int, seed: int, today, if_empty: bool):
    """Fill a School that has no programmes yet with realistic demo data."""
    existing = count_programmes(db.session)
    if existing and if_empty:
        click.echo(
            f"The database already has data ({existing} programmes); "
            "no demo data was added."
        )
        return

    if today and today.date() > date.today():
        click.echo(
            f"{today.date()} is in the future; the demo's dates lead up to today."
        )

    started = time.perf_counter()
    try:
        rows = build_demo_school(
            db.session,
            size=size,
            seed=seed,
            today=today.date() if today else REFERENCE_DATE,
        )
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None

    elapsed = time.perf_counter() - started
    click.echo(
        f"Wrote a demo School of {size} programmes (seed {seed}) in {elapsed:.1f} s:"
    )
    width = max(len(table) for table in rows)
    for table in sorted(rows):
        click.echo(f"  {table.replace('_', ' '):<{width}}  {rows[table]:>9,}")
    click.echo("Sign in with the accounts `flask --app app plp demo-accounts` prints.")


@plp_group.command("demo-accounts")
def demo_accounts_command():
    """Create the missing demo accounts, one per role, and print how to sign in."""
    try:
        outcomes = ensure_demo_accounts(db.session)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None

    click.echo(
        "These are the demo accounts, one per role; sign in with these passwords."
    )
    table = [("E-mail", "Role", "Password", "Account")]
    for outcome in outcomes:
        account = outcome.account
        changed = outcome.outcome == PASSWORD_CHANGED
        password = "(changed since; not shown)" if changed else account.password
        table.append((account.email, account.role.value, password, outcome.outcome))
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    for row in table:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@plp_group.command("expire-proposals")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Days a proposal waits for an answer; PLP_PROPOSAL_EXPIRY_DAYS if omitted.",
)
def expire_proposals_command(days: int | None):
    """Expire proposals that both sides have not answered within the days allowed.

    Safe to run from cron as often as wanted: a proposal expires only once.
    """
    if days is None:
        try:
            days = proposal_expiry_days(current_app.config["PLP_PROPOSAL_EXPIRY_DAYS"])
        except ValueError as problem:
            raise click.ClickException(str(problem)) from None
    try:
        expired = expire_proposals(db.session, days)
    except DomainError as refusal:
        raise click.ClickException(str(refusal)) from None
    noun = "proposal" if expired == 1 else "proposals"
    click.echo(f"Expired {expired} {noun} unanswered for more than {days} days.")

"""The `flask --app app plp ...` commands."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from admin.extensions import db
from plp.enums import Role
from plp.errors import DomainError
from plp.importer import ImportRefused, build_template, import_workbook
from plp.services.accounts import create_user, find_user

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

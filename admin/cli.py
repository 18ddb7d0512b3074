"""The `flask --app app plp ...` commands."""

import click
from flask import Flask
from flask.cli import AppGroup

from admin.extensions import db
from plp.enums import Role
from plp.errors import DomainError
from plp.services.accounts import create_user

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

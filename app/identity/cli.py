"""``flask users ...`` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.identity import services
from app.identity.passwords import password_problem

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create-admin")
@click.argument("username")
@click.argument("email")
@click.option("--password", help="Prompted for (hidden) when absent.")
def create_admin(username: str, email: str, password: str | None) -> None:
    """Make an administrator account, already verified."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username=username, email=email)
    if problem:
        raise click.UsageError(problem)
    try:
        user = services.create_admin(username, email, password)
    except services.IdentityError as exc:
        raise click.UsageError(str(exc)) from None
    db.session.commit()
    click.echo(f"admin {user.username} created")

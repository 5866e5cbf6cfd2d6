"""``flask invites ...`` commands."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup

from app.clock import utcnow
from app.extensions import db
from app.referrals import invites as invite_codes

invites_cli = AppGroup("invites", help="Manage invite codes.")

#: From this many codes on, a progress bar is drawn on stderr.
PROGRESS_FROM = 200


@invites_cli.command("create")
@click.option("--uses", type=click.IntRange(1, 1_000_000), default=1, show_default=True,
              help="Sign-ups each code allows.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day the codes work.")
@click.option("--email", help="Only this address may use the code.")
@click.option("--count", type=click.IntRange(1, 1_000_000), default=1, show_default=True,
              help="How many codes to mint.")
@click.option("--note", default="", help="A note for admins (200 characters at most).")
def create(uses: int, expires: datetime | None, email: str | None, count: int, note: str) -> None:
    """Mint invite codes and print them, one a line."""
    if len(note) > 200:
        raise click.BadParameter("at most 200 characters", param_hint="--note")
    if email is not None:
        try:
            email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise click.BadParameter(str(exc), param_hint="--email") from None
        if count != 1:
            raise click.BadParameter("a code bound to an address is minted alone", param_hint="--count")
    expires_on = expires.date() if expires is not None else None
    if expires_on is not None and expires_on < utcnow().date():
        raise click.BadParameter("that day has passed", param_hint="--expires")

    def mint(size: int) -> None:
        invites = invite_codes.mint_invites(size, uses=uses, expires_on=expires_on, email=email, note=note)
        db.session.commit()
        for invite in invites:
            click.echo(invite.code)

    if count < PROGRESS_FROM:
        mint(count)
        return
    with click.progressbar(length=count, label="Minting invites", file=sys.stderr) as bar:
        done = 0
        while done < count:
            size = min(invite_codes.MINT_BATCH, count - done)
            mint(size)
            done += size
            bar.update(size)

"""Tee times: rounds with open spots, invite links that hold a real spot, claims and holds."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app import jobs
from app.core.nav import NavLink, add_link, add_panel
from app.identity.signals import email_verified, user_registered

bp = Blueprint("teetimes", __name__)

from app.teetimes import claims, listings, rounds, routes  # noqa: E402,F401

user_registered.connect(claims.on_user_registered)
email_verified.connect(claims.on_email_verified)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Tee times", "teetimes.index"))
    jobs.every_tick(app, "app.teetimes.reminders.send_due_reminders")
    jobs.every_tick(app, "app.teetimes.waitlist.advance_waitlists")
    app.add_template_global(rounds.when_text, "teetime_when")
    add_panel(app, "match", "teetimes/_match_panel.html",
              lambda viewer, **_: listings.hosted_open_rounds(viewer))

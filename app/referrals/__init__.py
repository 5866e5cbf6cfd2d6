"""Referrals: personal referral links, invite codes, attribution, points and the waitlist."""

from __future__ import annotations

import os
from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app import jobs
from app.core.nav import NavLink, add_link
from app.identity.signals import email_verified, user_registered

bp = Blueprint("referrals", __name__)

from app.referrals import routes, services  # noqa: E402,F401

user_registered.connect(services.on_user_registered)
email_verified.connect(services.on_email_verified)

DEFAULTS = {
    "RATELIMIT_RESOLVE_IP": "60 per minute",
    "RATELIMIT_WAITLIST_IP": "10 per hour",
    "WAITLIST_INVITE_DAYS": 14,
}


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    for name, default in DEFAULTS.items():
        value = os.environ.get(name)
        if isinstance(default, int) and value:
            app.config.setdefault(name, int(value))
        else:
            app.config.setdefault(name, value or default)
    add_link(app, NavLink("Referrals", "referrals.mine"))
    jobs.every_tick(app, "app.referrals.services.flush_clicks")

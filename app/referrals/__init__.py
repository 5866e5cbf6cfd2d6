"""Referrals: personal referral links, invite codes, attribution, points and the waitlist."""

from __future__ import annotations

import os
from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState
from flask_login import user_logged_out

from app import jobs
from app.core.nav import NavLink, add_link
from app.identity.signals import email_verified, user_deactivated, user_registered

bp = Blueprint("referrals", __name__)

from app.referrals import attribution, links, points, routes  # noqa: E402,F401

user_registered.connect(attribution.on_user_registered)
email_verified.connect(points.on_email_verified)
user_deactivated.connect(links.on_user_deactivated)
user_logged_out.connect(links.on_user_logged_out)

DEFAULTS = {
    "RATELIMIT_RESOLVE_IP": "60 per minute",
    "RATELIMIT_WAITLIST_IP": "10 per hour",
    "WAITLIST_INVITE_DAYS": 14,
    "REFERRAL_LINK_CACHE_SECONDS": 60,
    "REFERRAL_CLICK_FLUSH_SECONDS": 1.0,
}


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    for name, default in DEFAULTS.items():
        value = os.environ.get(name)
        if isinstance(default, int | float) and value:
            app.config.setdefault(name, type(default)(value))
        else:
            app.config.setdefault(name, value or default)
    if not 0.05 <= float(app.config["REFERRAL_CLICK_FLUSH_SECONDS"]) <= 3600:
        raise ValueError("REFERRAL_CLICK_FLUSH_SECONDS must be between 0.05 and 3600 seconds")
    add_link(app, NavLink("Referrals", "referrals.mine"))
    jobs.every_tick(app, "app.referrals.clicks.flush_clicks")

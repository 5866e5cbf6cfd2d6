"""Referrals: personal referral links, invite codes, attribution, points and the waitlist."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState
from flask_login import user_logged_out

from app import jobs
from app.core.nav import NavLink, add_link
from app.identity.signals import email_verified, user_deactivated

bp = Blueprint("referrals", __name__)

from app.referrals import holds, links, points, routes  # noqa: E402,F401

email_verified.connect(points.on_email_verified)
user_deactivated.connect(links.on_user_deactivated)
user_logged_out.connect(links.on_user_logged_out)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    app.after_request(holds.keep_device_cookie)
    add_link(app, NavLink("Referrals", "referrals.mine", menu="account"))
    jobs.every_tick(app, "app.referrals.clicks.flush_clicks")

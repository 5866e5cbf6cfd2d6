"""Admin console: users, resets, sign-in records, mail and queues, and the audit log.

Invites, the referral tree and the waitlist live in the referrals area under ``/admin/...``;
the admin navigation links them, and their actions reach the audit log through ``admin_action``.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import NavLink, add_link
from app.core.signals import admin_action

bp = Blueprint("admin", __name__)

from app.admin import models, routes, services  # noqa: E402,F401

admin_action.connect(services.record_admin_action)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Admin", "admin.users", role="admin", menu="account"))

"""Messaging: conversations between two players, the inbox and its unread badge."""

from __future__ import annotations

import os
from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import NavLink, add_badge, add_link, add_panel

bp = Blueprint("messaging", __name__)

from app.messaging import routes, services  # noqa: E402,F401

DEFAULTS = {
    "RATELIMIT_MESSAGE": "30 per minute",
}


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    for name, default in DEFAULTS.items():
        app.config.setdefault(name, os.environ.get(name) or default)
    add_link(app, NavLink("Messages", "messaging.inbox", badge="messages"))
    add_badge(app, "messages", services.unread_total)
    add_panel(app, "profile", "messaging/_profile_panel.html")

"""Messaging: conversations between two players, the inbox and its unread badge."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import NavLink, add_badge, add_link, add_panel

bp = Blueprint("messaging", __name__)

from app.messaging import routes, services  # noqa: E402,F401


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Messages", "messaging.inbox", badge="messages"))
    add_badge(app, "messages", services.unread_total, services.unread_total_query)
    add_panel(app, "profile", "messaging/_profile_panel.html")

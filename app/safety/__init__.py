"""Trust and safety: blocks and mutes, the one "may A reach B" decision every area asks, and
the SQL filters their lists use."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import add_panel

bp = Blueprint("safety", __name__)

from app.safety import queue_routes, routes, services  # noqa: E402,F401


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_panel(app, "profile", "safety/_profile_panel.html",
              lambda viewer, profile_user, **_: services.profile_panel(viewer, profile_user))

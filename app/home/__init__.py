"""Home: the landing page, the timeline of cards at ``/``, onboarding cards and help."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import NavLink, add_link, add_panel

bp = Blueprint("home", __name__)

from app.home import models, routes, services  # noqa: E402,F401


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Help", "home.help", menu="account"))
    add_panel(app, "profile", "home/_profile_panel.html")

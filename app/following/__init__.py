"""Following: who follows whom, followers/following lists, fist bumps, the profile panel."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import add_panel
from app.referrals.signals import invitee_joined

bp = Blueprint("following", __name__)

from app.following import routes, services  # noqa: E402,F401
from app.safety.signals import blocked  # noqa: E402

blocked.connect(services.on_blocked)

invitee_joined.connect(services.on_invitee_joined)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_panel(app, "profile", "following/_profile_panel.html",
              lambda viewer, profile_user, **_: services.profile_panel(viewer, profile_user))

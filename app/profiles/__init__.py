"""Profiles: player profiles, availability, matching and partner search."""

from flask import Blueprint

from app.core.nav import NavLink, add_fact, add_link, set_display_name
from app.core.zones import set_home_zip
from app.identity.signals import user_registered

bp = Blueprint("profiles", __name__)

from app.profiles import editing, routes  # noqa: E402,F401

user_registered.connect(editing.on_user_registered)


@bp.record_once
def register_nav(state) -> None:  # type: ignore[no-untyped-def]
    for link in (
        NavLink("Players", "profiles.search"),
        NavLink("Match", "profiles.match"),
        NavLink("My profile", "profiles.me", menu="account"),
        NavLink("Availability", "profiles.availability", menu="account"),
    ):
        add_link(state.app, link)
    set_display_name(state.app, editing.display_name, editing.display_name_query)
    set_home_zip(state.app, editing.home_zip)
    add_fact(state.app, "home_zip", editing.home_zip_query)

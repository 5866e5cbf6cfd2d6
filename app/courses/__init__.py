"""Courses: the catalog admins keep, search near a place, and the courses a player has played."""

from __future__ import annotations

from typing import cast

import click
from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app.core.nav import NavLink, add_link, add_panel

bp = Blueprint("courses", __name__, cli_group="courses")

from app.courses import routes, services  # noqa: E402,F401


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Courses", "courses.search"))
    add_panel(app, "profile", "courses/_profile_panel.html",
              lambda viewer, profile_user, **_: services.played_courses(profile_user))


@bp.cli.command("seed")
def seed() -> None:
    """Load the sample course catalog (courses already there are left alone)."""
    from app.extensions import db

    added, present = services.seed_catalog()
    db.session.commit()
    click.echo(f"Courses: {added} added, {present} already in the catalog.")

"""Fixtures for the courses suites: players with profiles, signed-in clients, an admin, courses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.courses.models import Course
from app.extensions import db
from app.identity.models import ROLE_ADMIN
from tests.following.players import signed_in
from tests.home.conftest import player, user
from tests.profiles.conftest import config_overrides, make_player

__all__ = ["config_overrides", "make_player", "player"]


@pytest.fixture
def as_user(app) -> Callable[[str], FlaskClient]:
    return lambda username: signed_in(app, username)


@pytest.fixture
def admin(app, player) -> FlaskClient:
    player("boss")
    user("boss").role = ROLE_ADMIN
    db.session.commit()
    return signed_in(app, "boss")


@pytest.fixture
def make_course(app) -> Callable[..., Course]:
    """``make_course("Harding Park", zip="94132", holes=18, par=72)``, committed."""
    from app.courses.services import locate

    def make(name: str, zip: str = "94132", **fields: Any) -> Course:
        where = locate(zip, "", "")
        course = Course(name=name, zip=where.zip, city=where.city, state=where.state,
                        latitude=where.latitude, longitude=where.longitude, holes=fields.pop("holes", 18),
                        website="", contact="", notes="", **fields)
        db.session.add(course)
        db.session.commit()
        return course

    return make

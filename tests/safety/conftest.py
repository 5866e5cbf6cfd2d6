"""Fixtures for the safety suite: players with profiles at a zip, signed-in clients, and the
helpers that set up a world where two players would meet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.identity.models import User
from tests.factories import make_member
from tests.following.players import signed_in

SF = "94103"


def user(username: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == username))
    assert found is not None, username
    return found


@pytest.fixture
def player(app) -> Callable[..., User]:
    """``player("ann", zip=SF, handicap=12.0)``: a verified account with its profile."""

    def make(username: str, zip: str | None = SF, **fields: Any) -> User:
        return make_member(username, zip=zip, **fields)

    return make


@pytest.fixture
def as_user(app) -> Callable[[str], FlaskClient]:
    return lambda username: signed_in(app, username)

"""Fixtures for the home suites: players with profiles (``make_player``), signed-in clients,
and a counter of SQL statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.profiles.models import Profile
from tests.following.players import signed_in
from tests.profiles.conftest import config_overrides, make_player

__all__ = ["config_overrides", "make_player"]


@pytest.fixture
def player(make_player) -> Callable[..., Profile]:
    """``player("ann", zip="94103", handicap=10.0, joined=..., verified=True)``: a committed
    account with a profile; ``joined`` backdates the account."""

    def make(username: str, zip: str | None = None, verified: bool = True,
             joined: datetime | None = None, **fields: Any) -> Profile:
        profile = make_player(username, zip=zip, **fields)
        user = db.session.get(User, profile.user_id)
        assert user is not None
        user.email_verified_at = utcnow() if verified else None
        if joined is not None:
            user.created_at = joined
        db.session.commit()
        return profile

    return make


@pytest.fixture
def as_user(app) -> Callable[[str], FlaskClient]:
    return lambda username: signed_in(app, username)


def user(username: str) -> User:
    found = db.session.scalar(sa.select(User).where(User.username == username))
    assert found is not None, username
    return found


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)

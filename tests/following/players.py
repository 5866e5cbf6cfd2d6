"""Helpers shared by the social suites (following, messaging, notifications): signed-in
clients and fresh reads of rows (accounts come from the ``make_user`` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.identity.models import User
from app.notifications.models import Notification
from tests.conftest import FreshRequestClient
from tests.support import login


def signed_in(app: Any, username: str) -> FlaskClient:
    """A fresh client of its own, signed in as ``username``."""
    app.test_client_class = FreshRequestClient
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


def user_id(username: str) -> int:
    found = db.session.scalar(sa.select(User.id).where(User.username == username))
    assert found is not None, username
    return found


def notifications_of(username: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user_id(username)).order_by(Notification.id)
    ))


def count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def as_user(app) -> Callable[[str], FlaskClient]:
    return lambda username: signed_in(app, username)

"""Fixtures for the identity suites: fast accounts without a sign-up, fresh reads of rows."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from tests.conftest import FreshRequestClient
from tests.factories import make_account

CSRF_VALUE = re.compile(r'(name="csrf[-_]token"(?: type="hidden")? (?:value|content)=")[^"]+(")')


def fetch(username: str) -> User:
    """The account as the database holds it now (not a stale object from the session)."""
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, username
    return user


def without_csrf(body: str) -> str:
    return CSRF_VALUE.sub(r"\1-\2", body)


@pytest.fixture(autouse=True)
def fresh_clients(app) -> None:
    """Every ``app.test_client()`` starts each request with an empty ``g``, like ``client``."""
    app.test_client_class = FreshRequestClient


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """``make_user("ann", verified=True)``: a committed account whose password is PASSWORD."""

    def make(username: str, email: str | None = None, verified: bool = True, **fields: object) -> User:
        return make_account(username, email, verified, **fields)

    return make

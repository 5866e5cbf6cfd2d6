"""Fixtures for the identity suites: fresh clients and fresh reads of rows (accounts come from
the ``make_user`` fixture of tests/conftest.py)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from tests.conftest import FreshRequestClient

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

"""Fixtures for the admin suites: a signed-in admin, fresh reads of accounts and audit rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin.models import AuditEntry
from app.extensions import db
from app.identity.models import User
from tests.conftest import FreshRequestClient
from tests.support import login


@pytest.fixture(autouse=True)
def fresh_clients(app) -> None:
    """Every ``app.test_client()`` starts each request with an empty ``g``, like ``client``."""
    app.test_client_class = FreshRequestClient


@pytest.fixture
def boss(make_user) -> User:
    return make_user("boss", admin=True)


@pytest.fixture
def admin(app, boss) -> FreshRequestClient:
    """A client signed in as the admin ``boss``."""
    client = app.test_client()
    assert login(client, "boss").status_code == 303
    return client


def fetch(username: str) -> User:
    """The account as the database holds it now."""
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, username
    return user


def audit_rows() -> list[tuple[str, str, str, str]]:
    """(actor, action, target, detail) of every audit row, oldest first."""
    db.session.expire_all()
    return [
        (e.actor_name, e.action, e.target, e.detail)
        for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    ]

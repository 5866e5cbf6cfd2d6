"""Fixtures for this social suite: ``as_user`` (signed-in clients); accounts come from the
``make_user`` fixture of tests/conftest.py."""

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from tests.following.players import as_user

__all__ = ["as_user", "user"]


def user(username: str) -> User:
    """The account ``username`` as the database holds it now (the session's copies expired)."""
    db.session.expire_all()
    found = db.session.scalar(sa.select(User).where(User.username == username))
    assert found is not None
    return found

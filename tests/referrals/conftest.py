"""Fixtures for the referrals suites: fresh clients and fresh reads of rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.referrals.models import Referral
from tests.conftest import FreshRequestClient
from tests.support import login


@pytest.fixture(autouse=True)
def fresh_clients(app) -> None:
    """Every ``app.test_client()`` starts each request with an empty ``g``, like ``client``."""
    app.test_client_class = FreshRequestClient


@pytest.fixture
def admin(app, make_user):
    """A client signed in as an administrator."""
    make_user("boss", admin=True)
    client = app.test_client()
    login(client, "boss")
    return client


def fetch(username: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None, username
    return user


def referred_by(username: str) -> str | None:
    """The username of whoever referred ``username``, as the database holds it now."""
    db.session.expire_all()
    referrer = sa.orm.aliased(User)
    invitee = sa.orm.aliased(User)
    return db.session.scalar(
        sa.select(referrer.username)
        .join(Referral, Referral.referrer_id == referrer.id)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(invitee.username == username)
    )


def seasoned(username: str, days: int = 30) -> User:
    """Make ``username`` a verified member ``days`` old, whose link may admit in invite-only mode."""
    user = fetch(username)
    user.created_at = utcnow() - timedelta(days=days)
    user.email_verified_at = user.email_verified_at or utcnow()
    db.session.commit()
    return user

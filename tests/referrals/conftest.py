"""Fixtures for the referrals suites: fast accounts, sign-ups without the password hash cost,
fresh reads of rows, and apps built on the same database for threads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity import passwords
from app.identity.models import ROLE_ADMIN, User
from app.referrals.models import Referral
from tests.conftest import FreshRequestClient
from tests.factories import make_account, password_hash


@pytest.fixture(autouse=True)
def fresh_clients(app) -> None:
    """Every ``app.test_client()`` starts each request with an empty ``g``, like ``client``."""
    app.test_client_class = FreshRequestClient


@pytest.fixture
def cheap_hashing(monkeypatch) -> None:
    """Sign-ups hash with a precomputed hash, so hundreds of them cost milliseconds."""
    hashed = password_hash()
    monkeypatch.setattr(passwords, "hash_password", lambda password: hashed)


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """``make_user("ann", verified=True, admin=False)``: a committed account (password PASSWORD),
    made without identity's sign-up (so it has no code until one is ensured)."""

    def make(username: str, email: str | None = None, verified: bool = True, admin: bool = False,
             **fields: object) -> User:
        return make_account(username, email, verified, role=ROLE_ADMIN if admin else "user", **fields)

    return make


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

"""Test data: accounts with their profiles, committed, without the cost of a sign-up each."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.clock import utcnow
from app.extensions import db
from app.identity import passwords
from app.identity.models import User
from app.profiles import geo
from app.profiles import services as profiles
from tests.support import PASSWORD


@cache
def password_hash(password: str = PASSWORD) -> str:
    return passwords.hash_password(password)


def make_account(username: str, email: str | None = None, verified: bool = True, role: str = "user",
                 password: str = PASSWORD, **fields: Any) -> User:
    """``make_account("ann", verified=False)``: a committed account alone, made without
    identity's sign-up (so no other area's listener has run: no profile, no referral code)."""
    user = User(username=username, email=email or f"{username}@example.com",
                password_hash=password_hash(password), email_verified_at=utcnow() if verified else None,
                role=role, **fields)
    db.session.add(user)
    db.session.commit()
    return user


def make_member(username: str, zip: str | None = None, verified: bool = True, role: str = "user",
                password: str = PASSWORD, **profile: Any) -> User:
    """``make_member("ann", zip="94103", handicap=8.5)``: an account (verified unless told
    otherwise) and its profile, placed at ``zip`` when given, with ``profile`` fields set."""
    user = make_account(username, verified=verified, role=role, password=password)
    row = profiles.create_profile(user)
    if zip:
        place = geo.place_for_zip(zip)
        assert place is not None, zip
        row.zip, row.city, row.state = place.zip, place.city, place.state
        row.latitude, row.longitude = place.latitude, place.longitude
    for name, value in profile.items():
        setattr(row, name, value)
    db.session.commit()
    return user

"""Test data: accounts with their profiles, committed, without the cost of a sign-up each.

``make_user`` is the one account factory of the suite (the ``make_user`` fixture of
tests/conftest.py hands out this function); ``make_member`` adds a profile to it."""

from __future__ import annotations

from functools import cache
from typing import Any

from app.clock import utcnow
from app.extensions import db
from app.identity import passwords
from app.identity.models import ROLE_ADMIN, ROLE_USER, User
from app.profiles import geo
from app.profiles import services as profiles
from tests.support import PASSWORD


@cache
def password_hash(password: str = PASSWORD) -> str:
    """Hashed once per process, with the parameters test apps use: every account shares it."""
    return passwords.CHEAP.hash(password)


def make_user(username: str, email: str | None = None, verified: bool = True, admin: bool = False,
              active: bool = True, password: str = PASSWORD, **fields: Any) -> User:
    """``make_user("ann", verified=False, admin=True, active=False)``: a committed account alone,
    made without identity's sign-up (so no other area's listener has run: no profile, no
    referral code). Its password is ``PASSWORD`` unless told otherwise."""
    now = utcnow()
    fields.setdefault("deactivated_at", None if active else now)
    user = User(username=username, email=email or f"{username}@example.com",
                password_hash=password_hash(password), email_verified_at=now if verified else None,
                role=ROLE_ADMIN if admin else ROLE_USER, **fields)
    db.session.add(user)
    db.session.commit()
    return user


def make_member(username: str, zip: str | None = None, verified: bool = True, admin: bool = False,
                password: str = PASSWORD, **profile: Any) -> User:
    """``make_member("ann", zip="94103", handicap=8.5)``: an account (verified unless told
    otherwise) and its profile, placed at ``zip`` when given, with ``profile`` fields set."""
    user = make_user(username, verified=verified, admin=admin, password=password)
    row = profiles.create_profile(user)
    if zip:
        place = geo.place_for_zip(zip)
        assert place is not None, zip
        row.zip, row.city, row.state = place.zip, place.city, place.state
        row.latitude, row.longitude = place.latitude, place.longitude
    for name, value in profile.items():
        assert hasattr(type(row), name), f"a profile has no field {name!r}"
        setattr(row, name, value)
    db.session.commit()
    return user

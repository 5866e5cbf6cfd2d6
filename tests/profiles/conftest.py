"""Fixtures for the profiles area: avatars in a temporary folder and a fast player factory."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from app.extensions import db
from app.identity import passwords
from app.identity.models import User
from app.profiles import services
from app.profiles.models import Profile
from tests.support import PASSWORD


@cache
def password_hash() -> str:
    return passwords.hash_password(PASSWORD)


@pytest.fixture
def config_overrides(tmp_path) -> dict[str, Any]:
    return {"AVATAR_DIR": str(tmp_path / "avatars")}


@pytest.fixture
def make_player(app):
    """``make_player("ann", zip="94103", handicap=8.5, mobility=2)``: an account and its profile,
    committed, without the cost of a sign-up per player."""

    def make(username: str, zip: str | None = None, **fields: Any) -> Profile:
        user = User(username=username, email=f"{username}@example.com", password_hash=password_hash())
        db.session.add(user)
        db.session.flush()
        profile = services.create_profile(user)
        if zip:
            place = services.geo.place_for_zip(zip)
            assert place is not None, zip
            profile.zip, profile.city, profile.state = place.zip, place.city, place.state
            profile.latitude, profile.longitude = place.latitude, place.longitude
        for name, value in fields.items():
            setattr(profile, name, value)
        db.session.commit()
        return profile

    return make

"""Fixtures for the profiles area: avatars in a temporary folder and a fast player factory."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.profiles.models import Profile
from tests.factories import make_member


@pytest.fixture
def config_overrides(tmp_path) -> dict[str, Any]:
    return {"AVATAR_DIR": str(tmp_path / "avatars")}


@pytest.fixture
def make_player(app):
    """``make_player("ann", zip="94103", handicap=8.5, mobility=2)``: an account and its profile,
    committed, without the cost of a sign-up per player."""

    def make(username: str, zip: str | None = None, **fields: Any) -> Profile:
        user = make_member(username, zip=zip, verified=False, **fields)
        return db.session.scalar(sa.select(Profile).where(Profile.user_id == user.id))

    return make

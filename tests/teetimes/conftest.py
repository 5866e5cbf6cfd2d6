"""Fixtures for the tee-times suite: a clock that starts at a known moment, fast players with
profiles, signed-in clients and a helper to post a round straight through the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient

from app.extensions import db
from app.identity.models import User
from app.teetimes import services
from app.teetimes.models import Claim, TeeTime
from tests.conftest import FreshRequestClient
from tests.factories import make_member
from tests.support import csrf, login

#: Every test starts here (a Monday, 8:00 in San Francisco); the clock ticks on from it.
START = "2030-06-10 15:00:00"
TODAY = date(2030, 6, 10)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def player(app) -> Callable[..., User]:
    """``player("ann", zip="94103", verified=False)``: an account and its profile, committed."""

    def make(username: str, zip: str | None = "94103", verified: bool = True, **fields: Any) -> User:
        return make_member(username, zip=zip, verified=verified, **fields)

    return make


@pytest.fixture
def as_user(app) -> Callable[[str], FlaskClient]:
    def sign_in(username: str) -> FlaskClient:
        app.test_client_class = FreshRequestClient
        client = app.test_client()
        assert login(client, username).status_code == 303
        return client

    return sign_in


@pytest.fixture
def round_of(app) -> Callable[..., TeeTime]:
    """``round_of(host, days=2, spots=3, visibility="link")``: a round posted via the service."""

    def post(host: User, days: int = 2, spots: int = 3, visibility: str = "link", slot: str | None = None,
             at: time | None = time(9, 30), course: str = "Harding Park") -> TeeTime:
        details = services.RoundDetails(
            course=course, day=TODAY + timedelta(days=days), slot=slot, exact=None if slot else at,
            spots=spots, note="Walking, bring a push cart.", visibility=visibility,
        )
        tee_time = services.post_tee_time(host, details)
        db.session.commit()
        return tee_time

    return post


def action(client: FlaskClient, path: str, data: dict | None = None, page: str = "/tee-times"):
    """POST a form the way its page would (with a CSRF token from ``page``)."""
    form = dict(data or {})
    form.setdefault("csrf_token", csrf(client, page))
    return client.post(path, data=form)


def claims_of(tee_time: TeeTime) -> list[Claim]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Claim).where(Claim.tee_time_id == tee_time.id).order_by(Claim.id)
    ))


def claim_of(tee_time: TeeTime, username: str) -> Claim | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Claim).join(User, User.id == Claim.user_id)
        .where(Claim.tee_time_id == tee_time.id, User.username == username)
    )


def fetch(tee_time: TeeTime) -> TeeTime:
    db.session.expire_all()
    found = db.session.get(TeeTime, tee_time.id)
    assert found is not None
    return found

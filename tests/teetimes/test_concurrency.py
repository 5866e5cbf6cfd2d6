"""Exact under concurrency on PostgreSQL: 50 players claiming 3 open spots at once leave
exactly 3 players in the round, and one player racing themself holds one spot."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.teetimes import services
from app.teetimes.models import HELD
from tests.teetimes.conftest import claims_of

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)"
)


def claim_all(app, tee_time_id: int, usernames: list[str]) -> list[str]:
    """Each claim in a thread with its own app context and database session, all released at once."""
    ids = {name: db.session.scalar(sa.select(User.id).where(User.username == name)) for name in usernames}
    # Released together before any thread takes a connection (there are fewer than 50 in the pool).
    start = threading.Barrier(len(usernames), timeout=30)

    def one(username: str) -> str:
        start.wait()
        with app.app_context():
            try:
                user = db.session.get(User, ids[username])
                assert user is not None
                services.claim_spot(user, tee_time_id)
                db.session.commit()
                return "claimed"
            except services.TeeTimeError as exc:
                db.session.rollback()
                return type(exc).__name__
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(usernames)) as pool:
        return list(pool.map(one, usernames))


def test_fifty_parallel_claims_of_three_spots_give_exactly_three_players(app, player, round_of):
    tee_time = round_of(player("host"), spots=3)
    names = [f"p{i:02d}" for i in range(50)]
    for name in names:
        player(name, zip=None)
    outcomes = claim_all(app, tee_time.id, names)
    assert outcomes.count("claimed") == 3
    assert outcomes.count("RoundFull") == 47
    claims = claims_of(tee_time)
    assert len(claims) == 3 and all(c.status(utcnow()) == HELD for c in claims)
    assert services.spots_left(tee_time) == 0


def test_one_player_racing_themself_holds_one_spot(app, player, round_of):
    tee_time = round_of(player("host"), spots=3)
    player("eager", zip=None)
    outcomes = claim_all(app, tee_time.id, ["eager"] * 8)
    assert outcomes.count("claimed") == 1 and outcomes.count("AlreadyJoined") == 7
    assert len(claims_of(tee_time)) == 1

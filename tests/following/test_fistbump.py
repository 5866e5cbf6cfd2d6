"""Fist bumps: one per direction every 12 hours (429 with a message otherwise), counted on profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from app.following.models import FistBump
from tests.following.players import count, user_id
from tests.support import post

START = datetime(2030, 6, 10, 9, 0, tzinfo=UTC)


def bump(client, username: str):
    return post(client, f"/u/{username}/fistbump", token_from=f"/u/{username}")


def test_one_bump_per_pair_every_12_hours(make_user, as_user):
    make_user("ann"), make_user("bob")
    with time_machine.travel(START, tick=False) as clock:
        ann = as_user("ann")
        first = bump(ann, "bob")
        assert first.status_code == 303 and first.headers["Location"] == "/u/bob"

        clock.shift(timedelta(hours=11, minutes=59))
        refused = bump(ann, "bob")
        assert refused.status_code == 429
        text = refused.get_data(as_text=True)
        assert "already fist bumped bob in the last 12 hours" in text and "about 1 hour" in text
        assert "disabled" in ann.get("/u/bob").get_data(as_text=True)

        clock.shift(timedelta(minutes=1))
        assert bump(ann, "bob").status_code == 303

        clock.shift(timedelta(hours=1))
        assert "about 11 hours" in bump(ann, "bob").get_data(as_text=True)

    row = count(FistBump, FistBump.bumper_id == user_id("ann"), FistBump.bumped_id == user_id("bob"))
    assert row == 1
    assert "<strong>2</strong> fist bumps" in ann.get("/u/bob").get_data(as_text=True)


def test_the_limit_is_per_direction(make_user, as_user):
    make_user("ann"), make_user("bob"), make_user("cat")
    ann, bob = as_user("ann"), as_user("bob")
    assert bump(ann, "bob").status_code == 303
    assert bump(bob, "ann").status_code == 303
    assert bump(ann, "cat").status_code == 303
    assert bump(as_user("cat"), "bob").status_code == 303
    page = ann.get("/u/bob").get_data(as_text=True)
    assert "<strong>2</strong> fist bumps" in page
    own = ann.get("/u/ann").get_data(as_text=True)
    assert "<strong>1</strong> fist bump" in own and "<strong>1</strong> fist bumps" not in own


def test_self_bump_is_refused(make_user, as_user):
    make_user("ann")
    response = bump(as_user("ann"), "ann")
    assert response.status_code == 422
    assert "You can&#39;t fist bump yourself." in response.get_data(as_text=True)
    assert count(FistBump) == 0


def test_bump_needs_csrf(make_user, as_user):
    make_user("ann"), make_user("bob")
    assert as_user("ann").post("/u/bob/fistbump").status_code == 400
    assert count(FistBump) == 0

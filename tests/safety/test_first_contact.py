"""The first-contact limit: at most RATELIMIT_FIRST_CONTACT new conversations a day with
players who don't follow the sender; replies and players who follow them don't count."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.following import services as following
from app.messaging.models import Conversation
from tests.safety.conftest import user
from tests.support import post


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_FIRST_CONTACT": "2 per day"}


def write(client, to: str, body: str = "fancy a round?"):
    return post(client, f"/messages/{to}", {"body": body}, token_from=f"/u/{to}")


def test_new_conversations_with_strangers_are_limited_with_a_clear_429(player, as_user):
    for name in ("ann", "s1", "s2", "s3", "fan"):
        player(name)
    following.follow(user("fan"), user("ann"))
    db.session.commit()
    ann = as_user("ann")
    assert write(ann, "s1").status_code == 303
    assert write(ann, "s2").status_code == 303
    limited = write(ann, "s3")
    assert limited.status_code == 429
    text = limited.get_data(as_text=True)
    assert "You can start 2 conversations per day with players who don&#39;t follow you" in text
    # Replies in a started conversation and players who follow Ann don't count.
    assert write(ann, "s1", "sunday then?").status_code == 303
    assert write(ann, "fan").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 3
    # The limit is Ann's: s3 may still write to her.
    assert write(as_user("s3"), "ann").status_code == 303


def test_a_tee_time_invite_counts_as_a_first_contact(player, as_user):
    from tests.safety.test_block import _round

    for name in ("host", "s1", "s2", "s3"):
        player(name)
    tee_time = _round("host")
    host, page = as_user("host"), f"/t/{tee_time.code}"
    assert write(host, "s1").status_code == 303
    assert write(host, "s2").status_code == 303
    refused = post(host, f"{page}/invite/s3", token_from=page)
    assert refused.status_code == 429

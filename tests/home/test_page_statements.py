"""What each signed-in page a player opens most costs in SQL statements, exactly, in both modes:
the session (embedded mode keeps it in the database; services mode in Redis, no statement),
the player, the page's own reads, and the navigation's badges and greeting in one statement.
A change to any of these figures is a change to the page's cost: say why in the commit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.core.sessions import REFRESH_SECONDS
from app.extensions import db
from app.following import services as following
from app.messaging import services as messaging
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.home.conftest import counting_statements, user

SF = "94103"
#: The session's own statement in embedded mode (a SELECT of the session row); Redis costs none.
SESSION = 0 if TEST_REDIS_URL else 1

#: path -> statements beside the session's. Each counts: the player (1), the navigation (1) and:
PAGES = {
    # the profile owner, blocks, privacy, both profiles, the following panel (one statement:
    # counts, follows both ways, the last bump), courses (two), block and mute
    "/u/bob": 11,
    # the viewer's profile and, on PostgreSQL, the walk nearest first with the page's players
    # (SQLite: the candidates in the box, then their accounts and profiles)
    "/players": 4 if TEST_DATABASE_URL else 5,
    # the inbox rows with their display names, the New message box's suggestions (whom I follow)
    "/messages": 4,
    # the other player, blocks, the conversation, the messages (read already: no write; the first
    # open's writes are counted below)
    "/messages/bob": 6,
    # the notification list, who the player follows among the actors
    "/notifications": 4,
}


@pytest.fixture
def world(player):
    player("ann", zip=SF, handicap=10.0)
    player("bob", zip=SF, handicap=12.0)
    player("cy", zip=SF, handicap=14.0)
    messaging.send_message(user("bob"), user("ann"), "hi ann")
    messaging.send_message(user("cy"), user("ann"), "hello")
    following.follow(user("bob"), user("ann"))
    db.session.commit()


def statements_of(client, path: str) -> list[str]:
    client.get(path)  # the first visit may do one-off work (a referral code minted, a conversation read)
    with counting_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return statements


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_costs_a_fixed_number_of_statements(world, as_user, path):
    found = statements_of(as_user("ann"), path)
    assert len(found) == PAGES[path] + SESSION, "\n".join(found)


def test_opening_an_unread_conversation_writes_it_read_and_reopening_writes_nothing(world, as_user):
    client = as_user("ann")
    with counting_statements() as first:
        assert client.get("/messages/bob").status_code == 200
    # the page's six, and marking it read: the conversation, then its notification in a savepoint
    assert len(first) == PAGES["/messages/bob"] + SESSION + 4, "\n".join(first)
    writes = [s for s in first if s.lstrip().upper().startswith("UPDATE")]
    assert [w.split()[1] for w in writes] == ["conversations", "notifications"], writes
    assert messaging.unread_total(user("ann")) == 1  # cy's message is still unread
    with counting_statements() as again:
        assert client.get("/messages/bob").status_code == 200
    assert not [s for s in again if s.lstrip().upper().startswith(("UPDATE", "SAVEPOINT"))], again


def test_the_navigation_reads_badges_and_name_in_one_statement(world, as_user):
    found = statements_of(as_user("ann"), "/notifications")
    nav = [s for s in found if "low_unread" in s and "notifications" in s and "display_name" in s]
    assert len(nav) == 1, "\n".join(found)
    page = as_user("ann").get("/messages").get_data(as_text=True)
    assert re.search(r'class="badge"[^>]*>\s*2\s*<', page) or ">2<" in page  # two unread messages


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="database sessions: the write is a statement to count")
def test_an_unchanged_session_is_not_written_back_on_every_request(world, as_user):
    client = as_user("ann")
    client.get("/notifications")
    with counting_statements() as found:
        client.get("/notifications")
    assert not [s for s in found if "sessions" in s.lower()[:60] and s.lstrip().upper().startswith("UPDATE")]
    assert len([s for s in found if "FROM sessions" in s]) == 1  # read once, not read again to write


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="database sessions: the write is a statement to count")
def test_an_unchanged_session_is_written_back_once_the_refresh_interval_passed(world, as_user):
    client = as_user("ann")
    client.get("/notifications")
    later = datetime.now(UTC) + timedelta(seconds=REFRESH_SECONDS + 60)
    with time_machine.travel(later), counting_statements() as found:
        assert client.get("/notifications").status_code == 200
    assert [s for s in found if s.lstrip().upper().startswith("UPDATE SESSIONS")]
    with time_machine.travel(later + timedelta(minutes=1)), counting_statements() as again:
        assert client.get("/notifications").status_code == 200
    assert not [s for s in again if s.lstrip().upper().startswith("UPDATE SESSIONS")]


@pytest.mark.skipif(not TEST_REDIS_URL, reason="Redis sessions: the write is a SET to count")
def test_an_unchanged_redis_session_is_not_written_back_on_every_request(world, as_user, app, monkeypatch):
    client = as_user("ann")
    client.get("/notifications")
    redis = app.session_interface.client
    writes: list[str] = []
    real_set = redis.set
    monkeypatch.setattr(redis, "set", lambda name, *a, **kw: writes.append(name) or real_set(name, *a, **kw))
    assert client.get("/notifications").status_code == 200
    assert writes == []
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=REFRESH_SECONDS + 60)):
        assert client.get("/notifications").status_code == 200
    assert len(writes) == 1

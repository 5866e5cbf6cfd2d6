"""Live badges: ``GET /api/badges`` answers the nav's unread counts as JSON in one statement,
with an ETag; the same ETag back gets a 304 until a count changes. Anonymous: 401."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from tests.notifications.test_notifications import follow, send


def statements_of(call):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    listen = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        result = call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return result, seen


def test_counts_etag_and_304(make_user, as_user):
    make_user("ann"), make_user("bob")
    bob = as_user("bob")
    first = bob.get("/api/badges")
    assert first.status_code == 200 and first.get_json() == {"messages": 0, "notifications": 0}
    assert first.headers["ETag"] and first.headers["Cache-Control"] == "no-store"
    etag = first.headers["ETag"]
    same = bob.get("/api/badges", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""

    ann = as_user("ann")
    follow(ann, "bob")
    send(ann, "bob", "Nine holes?")
    send(ann, "bob", "Or 18?")
    changed = bob.get("/api/badges", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json() == {"messages": 2, "notifications": 2}
    assert changed.headers["ETag"] != etag
    # Ann's own counts are hers.
    assert ann.get("/api/badges").get_json() == {"messages": 0, "notifications": 0}


def test_one_statement_for_every_badge(make_user, as_user):
    make_user("ann"), make_user("bob")
    follow(as_user("ann"), "bob")
    bob = as_user("bob")
    bob.get("/api/badges")
    answer, seen = statements_of(lambda: bob.get("/api/badges"))
    assert answer.get_json() == {"messages": 0, "notifications": 1}
    counting = [s for s in seen if "notifications" in s or "conversations" in s]
    assert len(counting) == 1, counting


def test_anonymous_is_401(client):
    answer = client.get("/api/badges")
    assert answer.status_code == 401 and answer.get_json() == {"error": "sign in first"}


def test_nav_links_carry_their_badge_name_for_the_poll(make_user, as_user):
    make_user("ann")
    page = as_user("ann").get("/").get_data(as_text=True)
    assert 'data-badge="messages" data-label="Messages"' in page
    assert 'data-badge="notifications" data-label="Notifications"' in page

"""Notifications written by listeners on following, fist-bump, messaging and referral signals;
messages grouped per conversation; ack one or all; the nav badge; actions survive a failing
listener."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.following.models import FistBump, Follow
from app.identity.models import User
from app.identity.signals import email_verified
from app.messaging.models import Message
from app.notifications import services
from app.notifications.models import Notification
from app.referrals import services as referrals
from tests.following.players import count, notifications_of, signed_in, user_id
from tests.support import csrf, link_in, post, register


def follow(client, username: str):
    return post(client, f"/u/{username}/follow", token_from=f"/u/{username}")


def send(client, to: str, body: str):
    return post(client, f"/messages/{to}", {"body": body}, token_from=f"/messages/{to}")


def badge(html: str) -> int:
    found = re.search(r'Notifications <span class="badge" aria-label="unread">(\d+)</span>', html)
    return int(found.group(1)) if found else 0


def test_a_follow_notifies_once(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    follow(ann, "bob"), follow(ann, "bob")
    post(ann, "/u/bob/unfollow", token_from="/u/bob")
    (note,) = notifications_of("bob")
    assert (note.kind, note.actor_id, note.read_at) == ("follow", user_id("ann"), None)
    page = as_user("bob").get("/notifications").get_data(as_text=True)
    assert ">ann</a> started following you." in page and badge(page) == 1
    assert notifications_of("ann") == []


def test_a_fist_bump_notifies(make_user, as_user):
    make_user("ann"), make_user("bob")
    post(as_user("ann"), "/u/bob/fistbump", token_from="/u/bob")
    (note,) = notifications_of("bob")
    assert note.kind == "fistbump"
    assert "gave you a fist bump" in as_user("bob").get("/notifications").get_data(as_text=True)


def test_messages_are_grouped_per_conversation_newest_first(make_user, as_user):
    for name in ("ann", "bob", "cat"):
        make_user(name)
    ann, cat = as_user("ann"), as_user("cat")
    for body in ("one", "two", "three"):
        send(ann, "bob", body)
    send(cat, "bob", "hello from cat")
    follow(ann, "bob")
    notes = notifications_of("bob")
    assert [(n.kind, n.count) for n in notes] == [("message", 3), ("message", 1), ("follow", 1)]

    bob = as_user("bob")
    page = bob.get("/notifications").get_data(as_text=True)
    assert badge(page) == 3
    assert page.index("started following you") < page.index("A new message from cat") \
        < page.index("3 new messages from ann")

    bob.get("/messages/ann")  # reading the conversation reads its notice
    assert [n.read_at is not None for n in notifications_of("bob")] == [True, False, False]
    send(ann, "bob", "four")
    notes = notifications_of("bob")
    assert [(n.kind, n.count, n.read_at is None) for n in notes] == [
        ("message", 3, False), ("message", 1, True), ("follow", 1, True), ("message", 1, True)
    ]
    assert badge(bob.get("/notifications").get_data(as_text=True)) == 3


def test_ack_one_and_ack_all(make_user, as_user):
    for name in ("ann", "bob", "cat"):
        make_user(name)
    follow(as_user("ann"), "bob")
    follow(as_user("cat"), "bob")
    follow(as_user("bob"), "ann")
    first, second = notifications_of("bob")
    (anns,) = notifications_of("ann")
    bob = as_user("bob")
    token = csrf(bob, "/notifications")

    assert bob.post(f"/notifications/{first.id}/ack").status_code == 400
    done = bob.post(f"/notifications/{first.id}/ack", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"] == "/notifications"
    assert [n.read_at is not None for n in notifications_of("bob")] == [True, False]
    assert bob.post(f"/notifications/{first.id}/ack", data={"csrf_token": token}).status_code == 303
    assert bob.post(f"/notifications/{anns.id}/ack", data={"csrf_token": token}).status_code == 404
    assert bob.post("/notifications/999999/ack", data={"csrf_token": token}).status_code == 404
    assert notifications_of("ann")[0].read_at is None
    assert badge(bob.get("/notifications").get_data(as_text=True)) == 1

    assert bob.post("/notifications/ack", data={"csrf_token": token}).status_code == 303
    assert all(n.read_at is not None for n in notifications_of("bob"))
    page = bob.get("/notifications").get_data(as_text=True)
    assert badge(page) == 0 and "Mark all as read" not in page and "started following you" in page


def test_notifications_need_login(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert post(client, "/notifications/ack").status_code == 302


def test_the_badge_is_on_every_page_at_one_query(make_user, as_user):
    make_user("ann"), make_user("bob")
    follow(as_user("ann"), "bob")
    bob = as_user("bob")
    for path in ("/", "/u/ann", "/messages", "/settings"):
        assert badge(bob.get(path).get_data(as_text=True)) == 1, path
    statements: list[str] = []
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        bob.get("/")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len([s for s in statements if "FROM notifications" in s]) == 1


def explode(*args, **kwargs):
    raise RuntimeError("notification store is down")


def bad_row(user_id, kind, actor_id=None, group_key=None):
    """A write the database refuses (kind fails its CHECK), inside the listener's savepoint."""
    db.session.add(Notification(user_id=user_id, kind="bogus", actor_id=actor_id))
    db.session.flush()


@pytest.mark.parametrize("failure", [explode, bad_row], ids=["exception", "database-error"])
def test_actions_succeed_when_notifications_fail(make_user, as_user, monkeypatch, caplog, failure):
    make_user("ann"), make_user("bob")
    monkeypatch.setattr(services, "notify", failure)
    ann = as_user("ann")
    with caplog.at_level(logging.ERROR, logger="app.notifications.services"):
        assert follow(ann, "bob").status_code == 303
        assert post(ann, "/u/bob/fistbump", token_from="/u/bob").status_code == 303
        assert send(ann, "bob", "still delivered").status_code == 303
    assert count(Follow) == 1 and count(FistBump) == 1
    assert db.session.scalar(sa.select(Message.body)) == "still delivered"
    assert count(Notification) == 0
    failed = [r for r in caplog.records if "notification failed" in r.getMessage()]
    assert len(failed) == 3 and all(r.exc_info for r in failed)
    assert "still delivered" in as_user("bob").get("/messages/ann").get_data(as_text=True)


def test_a_referrer_hears_when_an_invitee_verifies(app, make_user, client, mailbox, drain):
    ann = make_user("ann")
    code = referrals.current_code(ann)
    db.session.commit()
    assert register(client, "newbie", invite_code=code).status_code == 303
    drain()
    (mail,) = mailbox.to("newbie@example.com")
    (joined,) = notifications_of("ann")  # the newcomer follows whoever invited them
    assert (joined.kind, joined.actor_id) == ("follow", user_id("newbie"))
    assert client.get(link_in(mail.body, "verify")).status_code in (302, 303)
    _, note = notifications_of("ann")
    assert (note.kind, note.actor_id) == ("referral", user_id("newbie"))
    page = signed_in(app, "ann").get("/notifications").get_data(as_text=True)
    assert "newbie, who joined with your link, confirmed their email." in page

    email_verified.send(app, user=db.session.get(User, user_id("newbie")))  # a repeat earns nothing
    db.session.commit()
    assert len(notifications_of("ann")) == 2

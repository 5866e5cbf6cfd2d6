"""Exact under concurrency on PostgreSQL: two first messages make one conversation, racing
senders keep unread counts and message notices exact, a double follow is one row, and racing
fist bumps pass the 12-hour rule once."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.following import services as following
from app.following.models import FistBump, Follow
from app.identity.models import User
from app.messaging import services as messaging
from app.messaging.models import Conversation, Message
from app.notifications.models import Notification
from tests.following.players import count, notifications_of, user_id

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)"
)


def run_parallel(app, jobs, work, workers: int = 16):
    def one(job):
        # A request context of its own, as a web worker would have.
        with app.test_request_context():
            try:
                result = work(job)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def account(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    assert user is not None
    return user


def test_two_simultaneous_first_messages_make_one_conversation(app, make_user, monkeypatch, caplog):
    make_user("ann"), make_user("bob")
    real_find = messaging.find_conversation
    both_looked = threading.Barrier(2, timeout=10)
    seen = threading.local()

    def find_then_wait(one, other):
        found = real_find(one, other)
        if not getattr(seen, "waited", False):
            seen.waited = True
            both_looked.wait()  # both threads have seen "no conversation" before either inserts
        return found

    monkeypatch.setattr(messaging, "find_conversation", find_then_wait)
    caplog.set_level(logging.INFO, logger="app.messaging.services")

    def first_message(pair):
        sender, recipient = pair
        return messaging.send_message(account(sender), account(recipient), f"hi from {sender}").id

    ids = run_parallel(app, [("ann", "bob"), ("bob", "ann")], first_message, workers=2)
    assert len([r for r in caplog.records if "was opened concurrently" in r.message]) == 1
    assert count(Conversation) == 1 and count(Message) == 2
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.last_message_id == max(ids)
    assert conversation.unread_for(user_id("ann")) == 1 and conversation.unread_for(user_id("bob")) == 1
    assert {m.conversation_id for m in db.session.scalars(sa.select(Message))} == {conversation.id}


def test_racing_senders_keep_unread_counts_and_notices_exact(app, make_user):
    make_user("ann"), make_user("bob")
    jobs = [("ann", "bob")] * 20 + [("bob", "ann")] * 12

    def send(pair):
        sender, recipient = pair
        return messaging.send_message(account(sender), account(recipient), f"from {sender}").id

    ids = run_parallel(app, jobs, send)
    conversation = db.session.scalar(sa.select(Conversation))
    assert count(Conversation) == 1 and count(Message) == 32
    assert conversation.unread_for(user_id("bob")) == 20
    assert conversation.unread_for(user_id("ann")) == 12
    assert conversation.last_message_id == max(ids)
    (for_bob,) = notifications_of("bob")
    (for_ann,) = notifications_of("ann")
    assert (for_bob.kind, for_bob.count) == ("message", 20)
    assert (for_ann.kind, for_ann.count) == ("message", 12)


def test_a_concurrent_double_follow_is_one_row_and_one_notice(app, make_user):
    make_user("ann"), make_user("bob")
    made = run_parallel(app, range(16), lambda _: following.follow(account("ann"), account("bob")))
    assert made.count(True) == 1
    assert count(Follow) == 1
    assert count(Notification, Notification.kind == "follow") == 1


def test_racing_fist_bumps_pass_the_12_hour_rule_once(app, make_user):
    make_user("ann"), make_user("bob")

    def bump(_):
        try:
            following.fist_bump(account("ann"), account("bob"))
        except following.TooSoon:
            return "refused"
        return "bumped"

    outcomes = run_parallel(app, range(16), bump)
    assert outcomes.count("bumped") == 1 and outcomes.count("refused") == 15
    assert db.session.scalar(sa.select(FistBump.total)) == 1
    assert count(Notification, Notification.kind == "fistbump") == 1

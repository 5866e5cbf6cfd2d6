"""The host removes a player or cancels the round: the spot reopens or the round closes, and
everyone affected gets a notification and a mail (through the outbox)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.notifications.models import Notification
from app.teetimes.models import REMOVED
from tests.teetimes.conftest import action, claim_of, fetch


def notices(username: str) -> list[tuple[str, str, str | None]]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Notification.kind, User.username, Notification.group_key)
        .join(User, User.id == Notification.actor_id)
        .where(Notification.user_id == sa.select(User.id).where(User.username == username).scalar_subquery())
    ).all()
    return [tuple(row) for row in rows]


def test_the_host_removes_a_player(player, as_user, round_of, mailbox, drain):
    tee_time = round_of(player("ann"), spots=1)
    player("bob"), player("cy")
    bob = as_user("bob")
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    host = as_user("ann")
    page = host.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert f'action="/t/{tee_time.code}/remove/bob"' in page
    response = action(host, f"/t/{tee_time.code}/remove/bob")
    assert response.status_code == 303
    assert claim_of(tee_time, "bob").status(utcnow()) == REMOVED
    drain()
    (mail,) = mailbox.to("bob@example.com")
    assert mail.subject == "You're no longer in ann's round"
    assert "taken you off the round at Harding Park on Wed Jun 12, 9:30 AM PDT" in mail.body
    assert notices("bob") == [("round_removed", "ann", f"teetime:{tee_time.code}")]
    listing = bob.get("/notifications").get_data(as_text=True)
    assert "ann took you off" in listing and f'href="/t/{tee_time.code}"' in listing
    # The spot is open again, and the removed player can't take it back.
    refused = action(bob, f"/t/{tee_time.code}/claim")
    assert refused.status_code == 403 and "took you off this round" in refused.get_data(as_text=True)
    assert action(as_user("cy"), f"/t/{tee_time.code}/claim").status_code == 303


def test_only_the_host_removes_and_only_players_in_the_round(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob"), player("cy")
    bob = as_user("bob")
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{tee_time.code}/remove/bob").status_code == 403
    assert action(bob, f"/t/{tee_time.code}/remove/bob").status_code == 403
    assert action(as_user("ann"), f"/t/{tee_time.code}/remove/cy").status_code == 404
    assert action(as_user("ann"), f"/t/{tee_time.code}/remove/nobody").status_code == 404
    assert action(as_user("ann"), "/t/NOSUCHCODE/remove/bob").status_code == 404
    assert claim_of(tee_time, "bob").removed_at is None


def test_cancelling_tells_everyone_joined(player, as_user, round_of, clock, mailbox, drain):
    tee_time = round_of(player("ann"), days=5, spots=3)
    player("bob"), player("newbie", verified=False), player("gone", verified=False), player("cy")
    assert action(as_user("gone"), f"/t/{tee_time.code}/claim").status_code == 303
    clock.shift(timedelta(hours=25))  # gone's hold lapses
    for name in ("bob", "newbie"):
        assert action(as_user(name), f"/t/{tee_time.code}/claim").status_code == 303
    mailbox.clear()
    host = as_user("ann")
    response = action(host, f"/t/{tee_time.code}/cancel")
    assert response.status_code == 303
    assert fetch(tee_time).cancelled_at is not None
    drain()
    for name in ("bob", "newbie"):
        (mail,) = mailbox.to(f"{name}@example.com")
        assert mail.subject == "ann cancelled the round at Harding Park"
        assert "cancelled the round at Harding Park on Sat Jun 15, 9:30 AM PDT" in mail.body
        assert notices(name) == [("round_cancelled", "ann", f"teetime:{tee_time.code}")]
    assert mailbox.to("gone@example.com") == [] and notices("gone") == []
    page = host.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "ann cancelled this round." in page and "Cancel the round" not in page
    refused = action(as_user("cy"), f"/t/{tee_time.code}/claim")
    assert refused.status_code == 409 and "The host cancelled this round." in refused.get_data(as_text=True)
    # Cancelling again changes nothing and mails no one.
    assert action(host, f"/t/{tee_time.code}/cancel").status_code == 303
    drain()
    assert len(mailbox.to("bob@example.com")) == 1
    assert "ann cancelled" in as_user("bob").get("/notifications").get_data(as_text=True)


def test_only_the_host_cancels(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    assert action(as_user("bob"), f"/t/{tee_time.code}/cancel").status_code == 403
    assert fetch(tee_time).cancelled_at is None


def test_a_round_that_teed_off_cannot_be_cancelled(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), days=1)
    clock.move_to(tee_time.starts_at + timedelta(minutes=1))
    response = action(as_user("ann"), f"/t/{tee_time.code}/cancel")
    assert response.status_code == 409 and "teed off" in response.get_data(as_text=True)
    assert fetch(tee_time).cancelled_at is None

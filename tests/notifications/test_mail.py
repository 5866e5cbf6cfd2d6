"""Notification mail: instant mail per kind as each player chose, message mail only while the
message is unread when due and at most once per conversation every 15 minutes, nothing for
muted or blocked players or for addresses that can't take mail, RFC 8058 headers and an escaped
HTML part on every kind. The clock is time-machine's; nothing sleeps."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from app import jobs
from app.extensions import db
from app.messaging.models import Message
from app.notifications import message_mail, preferences
from app.notifications.models import MessageMail
from app.outbox.models import OutboxMail
from app.teetimes import services as teetimes
from tests.factories import make_member
from tests.following.players import signed_in
from tests.notifications.conftest import user
from tests.support import link_in, post, register

START = datetime(2030, 6, 10, 15, 0)  # a Monday, 8:00 in San Francisco
UNSUBSCRIBE_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(START.replace(tzinfo=UTC), tick=True) as traveller:
        yield traveller


def choose(username: str, **modes: str) -> None:
    preferences.set_mail_modes(user(username), modes)
    db.session.commit()


def send(client, to: str, body: str):  # type: ignore[no-untyped-def]
    return post(client, f"/messages/{to}", {"body": body}, token_from=f"/messages/{to}")


def queued(kind: str, recipient: str | None = None) -> list[OutboxMail]:
    db.session.expire_all()
    query = sa.select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)
    if recipient:
        query = query.where(OutboxMail.recipient == recipient)
    return list(db.session.scalars(query))


def last_message_at() -> datetime:
    db.session.expire_all()
    found = db.session.scalar(sa.select(sa.func.max(Message.created_at)))
    assert found is not None
    return found


# --- message mail: due, unread, at most one per conversation per 15 minutes -------------------


def test_a_message_still_unread_when_due_is_mailed_once(app, make_user, clock, mailbox, drain):
    make_user("ann"), make_user("bob")
    assert send(signed_in(app, "ann"), "bob", "Round on Saturday?").status_code == 303
    sent = last_message_at()
    clock.move_to(sent + timedelta(seconds=299))
    assert message_mail.send_due_message_mails() == 0
    assert queued("notice_message") == []
    clock.move_to(sent + timedelta(seconds=300))
    assert message_mail.send_due_message_mails() == 1
    assert message_mail.send_due_message_mails() == 0
    drain()
    (mail,) = mailbox.to("bob@example.com")
    assert mail.subject == "ann sent you a message"
    assert '"Round on Saturday?"' in mail.body and "http://fairway.test/messages/ann" in mail.body
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailbox.to("ann@example.com") == []


def test_a_message_read_before_it_is_due_is_not_mailed(app, make_user, clock, mailbox, drain):
    make_user("ann"), make_user("bob")
    assert send(signed_in(app, "ann"), "bob", "Round on Saturday?").status_code == 303
    sent = last_message_at()
    clock.move_to(sent + timedelta(seconds=120))
    assert signed_in(app, "bob").get("/messages/ann").status_code == 200  # opening it reads it
    clock.move_to(sent + timedelta(minutes=6))
    assert message_mail.send_due_message_mails() == 0
    assert queued("notice_message") == []
    assert db.session.scalar(sa.select(MessageMail.due_at)) is None  # nothing waits any more


def test_at_most_one_mail_per_conversation_every_15_minutes(app, make_user, clock, mailbox, drain):
    for name in ("ann", "bob", "cy"):
        make_user(name)
    ann, cy = signed_in(app, "ann"), signed_in(app, "cy")
    send(ann, "bob", "first")
    first = last_message_at()
    clock.move_to(first + timedelta(minutes=5))
    assert message_mail.send_due_message_mails() == 1
    mailed = db.session.scalar(sa.select(MessageMail.sent_at))
    clock.move_to(first + timedelta(minutes=6))
    send(ann, "bob", "second")
    send(cy, "bob", "from cy")  # another conversation has its own 15 minutes
    clock.move_to(last_message_at() + timedelta(minutes=5))
    assert message_mail.send_due_message_mails() == 1  # cy's; ann's waits for its 15 minutes
    assert [m.subject for m in queued("notice_message")] == [
        "ann sent you a message", "cy sent you a message"]
    clock.move_to(mailed + timedelta(minutes=14, seconds=59))
    assert message_mail.send_due_message_mails() == 0
    clock.move_to(mailed + timedelta(minutes=15))
    assert message_mail.send_due_message_mails() == 1
    assert message_mail.send_due_message_mails() == 0
    last = queued("notice_message")[-1]
    assert last.subject == "2 unread messages from ann" and '"second"' in last.body
    clock.move_to(first + timedelta(hours=2))
    assert message_mail.send_due_message_mails() == 0  # nothing new since: no more mail
    assert len(queued("notice_message")) == 3


def test_the_tick_and_flask_jobs_tick_send_due_message_mail(app, make_user, clock):
    make_user("ann"), make_user("bob"), make_user("cy")
    send(signed_in(app, "ann"), "bob", "hello")
    send(signed_in(app, "ann"), "cy", "hello")
    clock.move_to(last_message_at() + timedelta(minutes=5))
    jobs.tick()
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert sorted(m.recipient for m in queued("notice_message")) == ["bob@example.com", "cy@example.com"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="RQ scheduler needs Redis (TEST_REDIS_URL)")
def test_a_message_schedules_its_mail_on_rq(app, make_user, clock, mailbox):
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    make_user("ann")
    bob = make_user("bob")
    send(signed_in(app, "ann"), "bob", "hello")
    due = last_message_at() + timedelta(seconds=app.config["MESSAGE_MAIL_DELAY_SECONDS"])
    registry = ScheduledJobRegistry(queue=jobs.queue("default", app))
    (job_id,) = [j for j in registry.get_job_ids() if j.startswith("message-mail-")]
    assert job_id.startswith(f"message-mail-{bob.id}-")
    assert registry.get_scheduled_time(job_id) == due.replace(tzinfo=UTC, microsecond=0)
    clock.move_to(due + timedelta(seconds=1))
    jobs.make_worker(app, SimpleWorker).work(burst=True, with_scheduler=True, logging_level="WARNING")
    (mail,) = mailbox.to("bob@example.com")
    assert mail.subject == "ann sent you a message"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)")
def test_workers_racing_send_one_message_mail(app, make_user, clock):
    make_user("ann")
    bob = make_user("bob")
    send(signed_in(app, "ann"), "bob", "hello")
    conversation_id = db.session.scalar(sa.select(Message.conversation_id))
    clock.move_to(last_message_at() + timedelta(minutes=5))
    workers = 6
    start = threading.Barrier(workers, timeout=30)

    def one_worker(_: int) -> bool:
        start.wait()
        with app.app_context():
            try:
                return message_mail.mail_conversation(bob.id, conversation_id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = list(pool.map(one_worker, range(workers)))
    assert sum(sent) == 1
    assert len(queued("notice_message")) == 1


# --- preferences and who never gets mail --------------------------------------------------------


def test_message_mail_off_or_daily_sends_nothing_at_once(app, make_user, clock):
    make_user("ann"), make_user("bob"), make_user("cy")
    choose("bob", message="off")
    choose("cy", message="daily")
    send(signed_in(app, "ann"), "bob", "hello")
    send(signed_in(app, "ann"), "cy", "hello")
    clock.move_to(last_message_at() + timedelta(hours=1))
    assert message_mail.send_due_message_mails() == 0
    assert queued("notice_message") == []


def test_instant_kinds_mail_at_once_and_daily_or_off_do_not(app, make_user, mailbox, drain):
    make_user("ann"), make_user("bob"), make_user("cy")
    choose("bob", follow="instant", fistbump="instant")
    choose("cy", follow="off")  # fistbump stays daily
    ann = signed_in(app, "ann")
    for name in ("bob", "cy"):
        post(ann, f"/u/{name}/follow", token_from=f"/u/{name}")
        post(ann, f"/u/{name}/fistbump", token_from=f"/u/{name}")
    drain()
    assert sorted(m.subject for m in mailbox.to("bob@example.com")) == [
        "ann follows you on Fairway", "ann gave you a fist bump"]
    assert mailbox.to("cy@example.com") == []


def test_muted_or_blocked_players_never_cause_mail(app, make_user, clock, mailbox, drain):
    make_user("ann"), make_user("bob"), make_user("cy")
    choose("bob", follow="instant", fistbump="instant")
    bob = signed_in(app, "bob")
    post(bob, "/u/ann/mute", token_from="/u/ann")
    post(bob, "/u/cy/block", token_from="/u/cy")
    ann = signed_in(app, "ann")
    post(ann, "/u/bob/follow", token_from="/u/bob")
    post(ann, "/u/bob/fistbump", token_from="/u/bob")
    assert send(ann, "bob", "muted but delivered").status_code == 303
    assert send(signed_in(app, "cy"), "bob", "blocked").status_code == 403
    clock.move_to(last_message_at() + timedelta(hours=1))
    assert message_mail.send_due_message_mails() == 0
    drain()
    assert mailbox.to("bob@example.com") == []


def test_unverified_and_deactivated_addresses_get_no_mail(app, make_user, clock, mailbox, drain):
    make_user("ann"), make_user("newbie", verified=False), make_user("gone")
    for name in ("newbie", "gone"):
        choose(name, follow="instant")
    ann = signed_in(app, "ann")
    send(ann, "gone", "hello")
    post(ann, "/u/newbie/follow", token_from="/u/newbie")
    gone = user("gone")
    gone.deactivated_at = datetime(2030, 6, 10, 15, 1)
    db.session.commit()
    post(ann, "/u/gone/follow", token_from="/u/gone")
    clock.move_to(last_message_at() + timedelta(hours=1))
    assert message_mail.send_due_message_mails() == 0
    drain()
    assert mailbox.to("newbie@example.com") == [] and mailbox.to("gone@example.com") == []


# --- every kind: RFC 8058 headers and an escaped HTML part ------------------------------------


def _follow(app: Any, clock: Any) -> str:
    post(signed_in(app, "ann"), "/u/bob/follow", token_from="/u/bob")
    return "bob"


def _fistbump(app: Any, clock: Any) -> str:
    post(signed_in(app, "ann"), "/u/bob/fistbump", token_from="/u/bob")
    return "bob"


def _message(app: Any, clock: Any) -> str:
    send(signed_in(app, "ann"), "bob", "hi")
    clock.move_to(last_message_at() + timedelta(minutes=5))
    message_mail.send_due_message_mails()
    return "bob"


def _referral(app: Any, clock: Any) -> str:
    from app.referrals import services as referrals

    code = referrals.current_code(user("bob"))
    db.session.commit()
    client = app.test_client()
    assert register(client, "newbie", invite_code=code).status_code == 303
    verify = db.session.scalar(sa.select(OutboxMail.body).where(OutboxMail.kind == "verify"))
    assert client.get(link_in(verify, "verify")).status_code in (302, 303)
    return "bob"


def _round(app: Any, claim_then_leave: bool) -> str:
    details = teetimes.RoundDetails(course="Harding Park", day=START.date() + timedelta(days=2), slot=None,
                                    exact=time(9, 30), spots=3, note="", visibility="link")
    tee_time = teetimes.post_tee_time(user("bob"), details)
    db.session.commit()
    ann = signed_in(app, "ann")
    assert post(ann, f"/t/{tee_time.code}/claim", token_from="/tee-times").status_code == 303
    if claim_then_leave:
        assert post(ann, f"/t/{tee_time.code}/leave", token_from="/tee-times").status_code == 303
    return "bob"


def _round_claimed(app: Any, clock: Any) -> str:
    return _round(app, False)


def _round_freed(app: Any, clock: Any) -> str:
    return _round(app, True)


INSTANT = {
    "notice_follow": ("follow", _follow),
    "notice_fistbump": ("fistbump", _fistbump),
    "notice_message": ("message", _message),
    "notice_referral": ("referral", _referral),
    "notice_round_claimed": ("teetime", _round_claimed),
    "notice_round_freed": ("teetime", _round_freed),
}


@pytest.mark.parametrize("template", list(INSTANT))
def test_every_notification_mail_kind_carries_rfc_8058_headers_and_html(app, template, clock, mailbox, drain):
    kind, cause = INSTANT[template]
    make_member("ann", zip="94103"), make_member("bob", zip="94103")
    choose("bob", **{kind: "instant"})
    recipient = cause(app, clock)
    drain()
    (row,) = queued(template)
    assert row.unsubscribe_url and row.html and row.body
    (mail,) = [m for m in mailbox.to(f"{recipient}@example.com")
               if m.message_id == f"<outbox-{row.id}@fairway.test>"]
    token = row.unsubscribe_url.rsplit("/", 1)[1]
    assert mail.headers["List-Unsubscribe"] == f"<http://fairway.test/unsubscribe/{token}>"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.html.lstrip().startswith("<!doctype html>") and row.unsubscribe_url in mail.html
    assert row.unsubscribe_url in mail.body
    # One click, no session, no CSRF token: that kind is off for that player.
    one_click = app.test_client().post(f"/unsubscribe/{token}", data="List-Unsubscribe=One-Click")
    assert one_click.status_code == 200
    assert preferences.mail_mode(user("bob"), kind) == "off"


def test_the_html_part_escapes_what_players_wrote(app, make_user, clock, mailbox, drain):
    make_user("ann"), make_user("bob")
    send(signed_in(app, "ann"), "bob", '<script>alert("hi")</script> & <b>bold</b>')
    clock.move_to(last_message_at() + timedelta(minutes=5))
    assert message_mail.send_due_message_mails() == 1
    drain()
    (mail,) = mailbox.to("bob@example.com")
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in mail.html
    assert "<script>" not in mail.html and "<b>bold" not in mail.html
    assert '<script>alert("hi")</script> & <b>bold</b>' in mail.body  # plain text stays as written

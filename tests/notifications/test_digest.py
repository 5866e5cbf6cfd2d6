"""The daily digest: in each player's local morning, once per player and day however many
workers look (two real RQ workers on Redis, and racing threads on PostgreSQL), gathering only
what is new since the last digest in the kinds the player wants daily, and skipped when there is
nothing new. The clock is time-machine's (the two workers' test runs on the real clock)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from app import jobs
from app.extensions import db
from app.identity.models import User
from app.notifications import digest, preferences
from app.notifications.models import MailDigest
from app.outbox.models import OutboxMail
from tests.factories import make_member
from tests.following.players import signed_in
from tests.notifications.conftest import user
from tests.support import post

ROOT = Path(__file__).resolve().parents[2]
#: 22:00 on Sunday June 9 in San Francisco (PDT, UTC-7); its 07:00 on Monday is 14:00 UTC.
EVENING = datetime(2030, 6, 10, 5, 0)
MONDAY_7AM = datetime(2030, 6, 10, 14, 0)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(EVENING.replace(tzinfo=UTC), tick=True) as traveller:
        yield traveller


def follow(who: str, whom: str) -> None:
    response = post(signed_in(current_app(), who), f"/u/{whom}/follow", token_from=f"/u/{whom}")
    assert response.status_code == 303


def current_app() -> Any:
    from flask import current_app as proxy

    return proxy._get_current_object()


def digests() -> list[tuple[str, date]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(User.username, MailDigest.day).join(User, User.id == MailDigest.user_id)
        .order_by(MailDigest.id)
    )]


def digest_mails(recipient: str = "bob@example.com") -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.kind == "digest", OutboxMail.recipient == recipient)
        .order_by(OutboxMail.id)
    ))


def lines_of(mail: OutboxMail) -> list[str]:
    return [line for line in mail.body.splitlines() if line.startswith("- ")]


def test_the_digest_goes_once_a_day_in_the_players_morning(app, clock, mailbox, drain):
    for name in ("ann", "bob", "cy"):
        make_member(name, zip="94103")
    follow("ann", "bob")
    clock.move_to(MONDAY_7AM - timedelta(minutes=1))
    assert digest.send_due_digests() == 0
    clock.move_to(MONDAY_7AM)
    assert digest.send_due_digests() == 1
    assert digest.send_due_digests() == 0
    drain()
    (mail,) = [m for m in mailbox.to("bob@example.com") if m.subject.startswith("Your day on Fairway")]
    assert mail.subject == "Your day on Fairway: 1 new thing"
    assert "- ann started following you" in mail.body and "http://fairway.test/u/ann" in mail.body
    assert mail.headers["List-Unsubscribe"].startswith("<http://fairway.test/unsubscribe/")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ">ann started following you</a>" in mail.html
    clock.move_to(MONDAY_7AM + timedelta(hours=2))
    follow("cy", "bob")
    clock.move_to(MONDAY_7AM + timedelta(hours=4))  # still Monday morning: Monday's digest went
    assert digest.send_due_digests() == 0
    clock.move_to(MONDAY_7AM + timedelta(days=1))
    assert digest.send_due_digests() == 1
    (tuesday,) = digest_mails()[1:]
    assert lines_of(tuesday) == ["- cy started following you"]
    clock.move_to(MONDAY_7AM + timedelta(days=2))
    assert digest.send_due_digests() == 0  # nothing new: no mail and no row
    assert digests() == [("bob", date(2030, 6, 10)), ("bob", date(2030, 6, 11))]
    assert [row.recipient for row in db.session.scalars(sa.select(OutboxMail).where(
        OutboxMail.kind == "digest"))] == ["bob@example.com", "bob@example.com"]


def test_a_morning_passed_waits_for_the_next_one(app, clock):
    make_member("ann", zip="94103"), make_member("bob", zip="94103")
    clock.move_to(MONDAY_7AM + timedelta(hours=6))  # 13:00 in San Francisco
    follow("ann", "bob")
    assert digest.send_due_digests() == 0
    clock.move_to(MONDAY_7AM + timedelta(days=1))
    assert digest.send_due_digests() == 1


def test_only_daily_kinds_unread_and_unmuted_are_gathered(app, clock, mailbox, drain):
    for name in ("ann", "bob", "cy", "dee"):
        make_member(name, zip="94103")
    preferences.set_mail_modes(user("bob"), {"follow": "instant", "fistbump": "off", "message": "daily"})
    db.session.commit()
    bob = signed_in(app, "bob")
    post(bob, "/u/dee/mute", token_from="/u/dee")
    ann = signed_in(app, "ann")
    follow("ann", "bob")  # instant: mailed at once, not in the digest
    post(ann, "/u/bob/fistbump", token_from="/u/bob")  # off
    post(ann, "/messages/bob", {"body": "Saturday?"}, token_from="/messages/bob")
    post(ann, "/messages/bob", {"body": "Or Sunday?"}, token_from="/messages/bob")
    post(signed_in(app, "cy"), "/messages/bob", {"body": "hi"}, token_from="/messages/bob")
    post(signed_in(app, "dee"), "/messages/bob", {"body": "muted"}, token_from="/messages/bob")
    assert bob.get("/messages/cy").status_code == 200  # read: not news any more
    clock.move_to(MONDAY_7AM)
    assert digest.send_due_digests() == 1
    (mail,) = digest_mails()
    assert lines_of(mail) == ["- ann sent you 2 messages"]


def test_nothing_daily_means_no_digest(app, clock):
    make_member("ann", zip="94103"), make_member("bob", zip="94103")
    preferences.set_mail_modes(user("bob"), {"follow": "off"})
    db.session.commit()
    follow("ann", "bob")
    clock.move_to(MONDAY_7AM)
    assert digest.send_due_digests() == 0
    assert digests() == []


def test_the_digest_unsubscribe_link_turns_every_daily_kind_off(app, clock):
    make_member("ann", zip="94103"), make_member("bob", zip="94103")
    preferences.set_mail_modes(user("bob"), {"teetime": "instant"})
    db.session.commit()
    follow("ann", "bob")
    clock.move_to(MONDAY_7AM)
    assert digest.send_due_digests() == 1
    (mail,) = digest_mails()
    path = mail.unsubscribe_url.removeprefix("http://fairway.test")
    page = app.test_client().get(path).get_data(as_text=True)
    assert "the daily digest" in page
    assert app.test_client().post(path, data="List-Unsubscribe=One-Click").status_code == 200
    assert preferences.mail_modes(user("bob")) == {
        "message": "instant", "follow": "off", "fistbump": "off", "teetime": "instant", "referral": "off"}


def test_the_players_zone_comes_from_their_setting_else_their_zip_else_utc(app):
    ann = make_member("ann", zip="94103")
    assert digest.player_zone(ann, "94103") == ZoneInfo("America/Los_Angeles")
    assert digest.player_zone(ann, "10001") == ZoneInfo("America/New_York")
    assert digest.player_zone(ann, None) == ZoneInfo("UTC")
    assert digest.player_zone(ann, "00000") == ZoneInfo("UTC")
    ann.timezone = "Europe/Paris"  # the player's own setting wins
    assert digest.player_zone(ann, "94103") == ZoneInfo("Europe/Paris")
    ann.timezone = "Not/AZone"  # never stored by the settings form; read as unset, as zone_of does
    assert digest.player_zone(ann, "94103") == ZoneInfo("America/Los_Angeles")


def test_the_tick_sends_due_digests(app, clock):
    make_member("ann", zip="94103"), make_member("bob", zip="94103")
    follow("ann", "bob")
    clock.move_to(MONDAY_7AM)
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    jobs.tick()
    assert digests() == [("bob", date(2030, 6, 10))]
    assert len(digest_mails()) == 1


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)")
def test_threads_racing_send_one_digest(app, clock):
    make_member("ann", zip="94103"), make_member("bob", zip="94103"), make_member("cy", zip="94103")
    follow("ann", "bob"), follow("ann", "cy")
    clock.move_to(MONDAY_7AM)
    workers = 6
    start = threading.Barrier(workers, timeout=30)

    def one_worker(_: int) -> int:
        start.wait()
        with app.app_context():
            try:
                return digest.send_due_digests()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = list(pool.map(one_worker, range(workers)))
    assert sum(sent) == 2
    assert sorted(digests()) == [("bob", date(2030, 6, 10)), ("cy", date(2030, 6, 10))]


def start_worker(app: Any, database_url: str, digest_hour: int) -> subprocess.Popen[str]:
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]),
               SECRET_KEY=app.config["SECRET_KEY"], APP_BASE_URL="http://fairway.test",
               OUTBOX_SWEEP_SECONDS="1", DIGEST_HOUR=str(digest_hour))
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    # A session of its own, so the worker and the scheduler process it forks end together.
    return subprocess.Popen([flask, "--app", "wsgi", "worker"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop_worker(worker: subprocess.Popen[str]) -> str:
    """Warm shutdown (SIGTERM), then SIGKILL to the worker's whole process group if it lingers;
    returns what it logged."""
    try:
        return worker.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        return worker.communicate()[1]


def wait_for(condition: Any, seconds: float) -> None:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, f"not within {seconds} s"
        time.sleep(0.1)


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="RQ workers need Redis (TEST_REDIS_URL)")
def test_two_rq_workers_send_one_digest(app, database_url, mailbox):
    """Two ``flask worker`` processes tick every second, each sweeping for due digests: the
    player (no zip: UTC, whose morning this test makes now) gets one, and keeps getting one."""
    from rq import Worker

    make_member("ann"), make_member("bob")
    follow("ann", "bob")
    now = datetime.now(UTC)
    workers = [start_worker(app, database_url, now.hour) for _ in range(2)]
    try:
        wait_for(lambda: any(m.subject.startswith("Your day") for m in mailbox.to("bob@example.com")), 60)
        redis = jobs.redis_connection(app)
        wait_for(lambda: len(Worker.all(connection=redis)) == 2, 30)
        # Both have ticked (and swept for digests) several times since the digest went.
        after = datetime.now(UTC) + timedelta(seconds=3)
        wait_for(lambda: all(w.last_heartbeat and w.last_heartbeat.replace(tzinfo=UTC) > after
                             for w in Worker.all(connection=redis)), 30)
    finally:
        for worker in workers:
            worker.terminate()
        errors = [stop_worker(worker) for worker in workers]
        for worker in workers:  # the scheduler process, if it outlived its worker
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
    # Only the run counts: a SIGTERM that lands mid-tick interrupts that tick (RQ raises
    # StopRequested from its handler), which logs a traceback at shutdown.
    running = [log.partition("shut down requested")[0] for log in errors]
    assert all("Traceback" not in log for log in running), running
    assert [m.subject for m in mailbox.to("bob@example.com")] == ["Your day on Fairway: 1 new thing"]
    assert digests() == [("bob", now.date())]

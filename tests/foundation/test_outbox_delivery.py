"""How a mail leaves: claimed in a short transaction, no transaction held while the SMTP server
talks, "sent" committed right after the server's 250 (before QUIT); a row whose job was lost
with Redis is put back on the queue at the next sweep, which an idle worker runs every
OUTBOX_SWEEP_SECONDS."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app import jobs
from app.extensions import db
from app.outbox import services
from app.outbox.models import PENDING, SENT, OutboxMail
from tests.conftest import SERVICES, TEST_REDIS_URL, SmtpSink, free_port
from tests.support import register

needs_redis = pytest.mark.skipif(not (SERVICES and TEST_REDIS_URL), reason="needs Redis (services mode)")
ROOT = Path(__file__).resolve().parents[2]


class GatedSink(SmtpSink):
    """An SMTP sink that can hold a delivery at RCPT (before the message) or at QUIT (after
    it has answered 250 to the message) until the test lets go."""

    def __init__(self, port: int, hold_at: str) -> None:
        super().__init__(port=port)
        self.hold_at = hold_at
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def _hold(self, step: str) -> None:
        if self.hold_at == step:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        await self._hold("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        await self._hold("QUIT")
        return "221 Bye"


@pytest.fixture
def gated_sink(request) -> Iterator[GatedSink]:
    sink = GatedSink(free_port(), request.param)
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release.set()
        controller.stop()


@pytest.fixture
def config_overrides(request) -> dict[str, Any]:
    if "gated_sink" in request.fixturenames:
        return {"MAIL_PORT": request.getfixturevalue("gated_sink").port}
    return {}


def pending_row(recipient: str = "late@example.com", **fields: Any) -> int:
    row = OutboxMail(kind="verify", recipient=recipient, subject="Hello", body="body", **fields)
    db.session.add(row)
    db.session.commit()
    return row.id


def fresh(outbox_id: int) -> OutboxMail:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(OutboxMail, outbox_id)


def deliver_in_thread(app, outbox_id: int) -> tuple[threading.Thread, list[object]]:  # type: ignore[no-untyped-def]
    """``deliver`` as a worker runs it: its own application context and database session."""
    outcome: list[object] = []

    def run() -> None:
        with app.app_context():
            try:
                outcome.append(services.deliver(outbox_id))
            except Exception as exc:  # reported by the test's assertions
                outcome.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("gated_sink", ["QUIT"], indirect=True)
def test_sent_is_committed_as_soon_as_the_server_has_the_message(app, gated_sink):
    outbox_id = pending_row()
    thread, outcome = deliver_in_thread(app, outbox_id)
    try:
        assert gated_sink.arrived.wait(30), "the sender never said QUIT"
        # The server has answered 250 to the message; the sender has not hung up yet.
        assert len(gated_sink.to("late@example.com")) == 1
        row = fresh(outbox_id)
        assert (row.status, row.attempts, row.claimed_until) == (SENT, 1, None)
        assert row.sent_at is not None
    finally:
        gated_sink.release.set()
        thread.join(30)
    assert outcome == [SENT]


def _lock_row_now(outbox_id: int) -> None:
    """Take the row's lock from another connection, failing at once if anyone holds it."""
    engine = db.engine
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT id FROM outbox_mail WHERE id = :id FOR UPDATE NOWAIT"),
                         {"id": outbox_id})
        else:
            conn.exec_driver_sql("PRAGMA busy_timeout = 0")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.rollback()


@pytest.mark.parametrize("gated_sink", ["RCPT"], indirect=True)
def test_no_lock_is_held_while_the_server_talks_and_a_second_sender_skips(app, gated_sink):
    outbox_id = pending_row()
    thread, outcome = deliver_in_thread(app, outbox_id)
    try:
        assert gated_sink.arrived.wait(30), "the sender never reached RCPT"
        _lock_row_now(outbox_id)  # no transaction of the sender's is open
        row = fresh(outbox_id)
        assert row.status == PENDING and row.claimed_until is not None
        # A duplicate job meanwhile finds the row claimed and sends nothing, without waiting.
        began = time.monotonic()
        assert services.deliver(outbox_id) == "skipped"
        assert time.monotonic() - began < 2
        assert services.sweep_outbox(grace=timedelta(0)) == 0
    finally:
        gated_sink.release.set()
        thread.join(30)
    assert outcome == [SENT]
    assert len(gated_sink.to("late@example.com")) == 1
    assert services.deliver(outbox_id) == "skipped"


def test_a_claim_that_ran_out_is_taken_over(app, mailbox, drain):
    now = services.utcnow()
    held = pending_row("held@example.com", claimed_until=now + timedelta(minutes=1))
    abandoned = pending_row("abandoned@example.com", claimed_until=now - timedelta(seconds=1))
    assert services.deliver(held) == "skipped"
    assert services.sweep_outbox(grace=timedelta(0)) == 1  # only the abandoned one
    drain()
    assert fresh(abandoned).status == SENT and fresh(held).status == PENDING
    assert len(mailbox.to("abandoned@example.com")) == 1 and mailbox.to("held@example.com") == []


@needs_redis
def test_a_row_whose_job_redis_lost_is_swept_at_once(app, client, mailbox, drain):
    register(client, "alice")
    [row] = db.session.scalars(sa.select(OutboxMail)).all()
    assert row.enqueued_at is not None
    assert services.sweep_outbox() == 0  # its job is on the queue
    jobs.redis_connection(app).flushdb()  # Redis lost, with the job
    assert services.sweep_outbox() == 1  # no grace, no ten minutes: the job is gone
    assert services.sweep_outbox() == 0  # on the queue again
    drain()
    assert fresh(row.id).status == SENT
    assert len(mailbox.to("alice@example.com")) == 1


@needs_redis
def test_a_row_whose_job_ended_without_sending_is_swept(app, client, mailbox, drain):
    register(client, "alice")
    [row] = db.session.scalars(sa.select(OutboxMail)).all()
    from rq.job import Job

    Job.fetch(f"mail-{row.id}", connection=jobs.redis_connection(app)).set_status("failed")
    assert services.sweep_outbox() == 1
    drain()
    assert len(mailbox.to("alice@example.com")) == 1


def start_worker(app, database_url: str, sweep_seconds: int) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]),
               SECRET_KEY=app.config["SECRET_KEY"], APP_BASE_URL="http://fairway.test",
               OUTBOX_SWEEP_SECONDS=str(sweep_seconds))
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(condition, seconds: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - began


@needs_redis
def test_mail_lost_with_redis_is_sent_within_two_sweep_intervals(app, client, database_url, mailbox):
    from rq import Worker

    sweep = 3
    register(client, "alice")
    jobs.redis_connection(app).flushdb()
    worker = start_worker(app, database_url, sweep)
    try:
        wait_for(lambda: len(mailbox.to("alice@example.com")) == 1, 60)  # swept at start
        redis = jobs.redis_connection(app)
        wait_for(lambda: any(w.get_state() == "idle" for w in Worker.all(connection=redis)), 30)
        # Now a row whose job Redis lost while this worker sat idle (RQ would block for 405 s).
        pending_row("bob@example.com", enqueued_at=services.utcnow())
        took = wait_for(lambda: len(mailbox.to("bob@example.com")) == 1, 2 * sweep)
        assert took < 2 * sweep
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert "Traceback" not in errors, errors[-3000:]
    assert len(mailbox.to("alice@example.com")) == 1 and len(mailbox.to("bob@example.com")) == 1

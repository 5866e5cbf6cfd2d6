"""A worker killed (SIGKILL) in the middle of sending: the mail is still delivered, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app.extensions import db
from app.outbox import services as outbox
from app.outbox.models import PENDING, SENT, OutboxMail
from tests.conftest import SmtpSink, free_port
from tests.reliability.conftest import needs_postgres
from tests.support import register

pytestmark = needs_postgres

ROOT = Path(__file__).resolve().parents[2]


class StallingSink(SmtpSink):
    """An SMTP server that stalls the first delivery at RCPT until told to let go, then refuses
    it: the sender is killed while it waits, so that delivery never completes."""

    def __init__(self, port: int) -> None:
        super().__init__(port=port)
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.stalled = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if not self.stalled:
            self.stalled = True
            self.arrived.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 sender went away"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def stalling_sink() -> Iterator[StallingSink]:
    sink = StallingSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release.set()
        controller.stop()


@pytest.fixture
def config_overrides(stalling_sink: StallingSink) -> dict[str, Any]:
    return {"MAIL_PORT": stalling_sink.port}


def worker(app, database_url: str, *args: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]),
               SECRET_KEY=app.config["SECRET_KEY"], APP_BASE_URL="http://fairway.test")
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every descendant (RQ's work horse starts its own session, so a
    process group is not enough), as when a container or machine dies."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    doomed, todo = [], [pid]
    while todo:
        current = todo.pop()
        doomed.append(current)
        todo.extend(children.get(current, []))
    for victim in doomed:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def statuses() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMail.status)))


def test_a_worker_killed_mid_send_still_delivers_once(app, client, database_url, stalling_sink):
    assert register(client, "alice").status_code == 303

    first = worker(app, database_url)
    try:
        assert stalling_sink.arrived.wait(60), "the worker never started sending"
        kill_tree(first.pid)
        first.communicate(timeout=10)
    finally:
        if first.poll() is None:
            kill_tree(first.pid)
    stalling_sink.release.set()
    assert first.returncode == -signal.SIGKILL
    assert stalling_sink.to("alice@example.com") == []
    assert statuses() == [PENDING]

    # The worker claimed the row before it spoke to the server; while the claim lasts, no one
    # else sends it (the sweep leaves it too).
    db.session.rollback()
    claimed_until = db.session.scalar(sa.select(OutboxMail.claimed_until))
    assert claimed_until is not None and claimed_until > outbox.utcnow()
    assert claimed_until <= outbox.utcnow() + outbox.CLAIM
    assert outbox.sweep_outbox(grace=timedelta(0)) == 0
    assert outbox.deliver(db.session.scalar(sa.select(OutboxMail.id))) == "skipped"
    # The claim runs out CLAIM (3 minutes) later; it is moved back here instead of waiting.
    db.session.execute(sa.update(OutboxMail).values(claimed_until=outbox.utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert outbox.sweep_outbox(grace=timedelta(0)) == 1

    second = worker(app, database_url, "--burst")
    _, errors = second.communicate(timeout=120)
    assert second.returncode == 0, errors[-3000:]
    assert len(stalling_sink.to("alice@example.com")) == 1
    assert statuses() == [SENT]

    # Anything else that still holds the job (a retry, a second sweep) sends nothing more.
    outbox.sweep_outbox(grace=timedelta(0))
    outbox.deliver(db.session.scalar(sa.select(OutboxMail.id)))
    third = worker(app, database_url, "--burst")
    third.communicate(timeout=120)
    assert len(stalling_sink.to("alice@example.com")) == 1

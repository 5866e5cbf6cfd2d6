"""Jobs and the mail outbox: written in the request's transaction, sent after commit (inline or
through a real RQ worker), idempotent per row, retried, swept when Redis was away."""

from __future__ import annotations

import logging
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app, jobs
from app.extensions import db
from app.outbox import services
from app.outbox.models import FAILED, PENDING, SENT, OutboxMail
from tests.conftest import SERVICES, TEST_REDIS_URL, FreshRequestClient, free_port, make_config
from tests.support import link_in, register

needs_redis = pytest.mark.skipif(not (SERVICES and TEST_REDIS_URL), reason="needs Redis (services mode)")


def rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))


def test_signup_writes_one_outbox_row_and_sends_it(client, mailbox, drain):
    assert register(client, "alice").status_code == 303
    drain()
    [row] = rows()
    assert (row.kind, row.recipient, row.status, row.attempts) == ("verify", "alice@example.com", SENT, 1)
    assert row.sent_at is not None and row.last_error is None
    [mail] = mailbox.to("alice@example.com")
    assert mail.subject == "Confirm your email for Fairway"
    assert mail.message_id == f"<outbox-{row.id}@fairway.test>"
    assert "http://fairway.test/verify/" in mail.body


def test_a_refused_request_leaves_no_mail(client, mailbox, drain):
    assert register(client, "alice").status_code == 303
    from app.identity.services import IdentityError
    from app.identity.signals import user_registered

    def refuse(sender, user, **extra):
        raise IdentityError("That invite code is used up.")

    user_registered.connect(refuse)
    try:
        other = client.application.test_client()
        response = register(other, "bob")
    finally:
        user_registered.disconnect(refuse)
    assert response.status_code == 422
    drain()
    assert [row.recipient for row in rows()] == ["alice@example.com"]
    assert mailbox.to("bob@example.com") == []


@needs_redis
def test_services_mode_mail_leaves_only_through_the_worker(app, client, mailbox, drain):
    register(client, "alice")
    [row] = rows()
    assert row.status == PENDING and row.enqueued_at is not None
    assert mailbox.messages == []
    from rq.job import Job

    job = Job.fetch(f"mail-{row.id}", connection=jobs.redis_connection(app))
    assert job.origin == "mail"
    assert job.retries_left == app.config["OUTBOX_MAX_ATTEMPTS"]
    drain()
    assert rows()[0].status == SENT
    assert len(mailbox.to("alice@example.com")) == 1
    # Already on the queue: the sweep leaves it alone.
    assert services.sweep_outbox(grace=timedelta(0)) == 0


def test_same_row_delivered_twice_sends_once(app, client, mailbox, drain):
    register(client, "alice")
    drain()
    [row] = rows()
    assert services.deliver(row.id) == "skipped"
    if jobs.redis_connection(app) is not None:
        for copy in ("dup-1", "dup-2"):
            assert jobs.push(app, jobs.PendingJob(services.DELIVER, (row.id,), copy, "mail", None))
        drain()
    assert len(mailbox.to("alice@example.com")) == 1
    assert rows()[0].attempts == 1


def test_deliver_of_an_unknown_row_is_skipped(app):
    assert services.deliver(999_999) == "skipped"


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "config_overrides", [{"MAIL_PORT": free_port(), "OUTBOX_MAX_ATTEMPTS": 3}], indirect=True
)
def test_smtp_failure_is_recorded_and_the_row_fails_after_max_attempts(app, client, caplog, drain):
    caplog.set_level(logging.WARNING)
    assert register(client, "alice").status_code == 303
    drain()
    [row] = rows()
    assert row.status == PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error

    with pytest.raises(ConnectionRefusedError):
        services.deliver(row.id)
    assert rows()[0].attempts == 2
    assert services.deliver(row.id) == FAILED
    row = rows()[0]
    assert (row.status, row.attempts, row.sent_at) == (FAILED, 3, None)
    assert services.deliver(row.id) == "skipped"
    assert "attempt 3 failed" in caplog.text


def test_failed_mail_can_be_retried(app, client, mailbox, drain):
    register(client, "alice")
    drain()
    row = rows()[0]
    row.status, row.attempts, row.last_error = FAILED, 6, "SMTPServerDisconnected: gone"
    db.session.commit()
    mailbox.clear()
    assert services.retry_mail(row.id) is True
    db.session.commit()
    drain()
    assert rows()[0].status == SENT
    assert len(mailbox.to("alice@example.com")) == 1
    assert services.retry_mail(row.id) is False


def test_sweep_sends_rows_that_were_never_handed_on(app, mailbox, drain):
    row = OutboxMail(kind="verify", recipient="late@example.com", subject="Hello", body="body")
    db.session.add(row)
    db.session.commit()
    assert mailbox.to("late@example.com") == []
    assert services.sweep_outbox() == 0  # still inside the grace period
    assert services.sweep_outbox(grace=timedelta(0)) == 1
    drain()
    assert len(mailbox.to("late@example.com")) == 1
    assert services.sweep_outbox(grace=timedelta(0)) == 0
    drain()
    assert len(mailbox.to("late@example.com")) == 1


def test_sweep_cli(app, runner, mailbox, drain):
    db.session.add(OutboxMail(kind="verify", recipient="late@example.com", subject="Hi", body="b",
                              created_at=services.utcnow() - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["outbox", "sweep"])
    assert result.exit_code == 0 and "1 mail handed on" in result.output
    drain()
    assert len(mailbox.to("late@example.com")) == 1


@pytest.mark.parametrize("config_overrides", [{"MAIL_SERVER": None}], indirect=True)
def test_without_mail_server_mail_is_written_to_the_log(app, client, caplog, mailbox, drain):
    caplog.set_level(logging.INFO, logger="app.outbox.services")
    assert register(client, "alice", "alice.secret@example.com").status_code == 303
    drain()
    assert mailbox.messages == []
    assert "http://fairway.test/verify/" in caplog.text
    path = link_in(caplog.text, "verify")
    assert "alice.secret@example.com" not in caplog.text
    assert rows()[0].status == SENT
    assert client.get(path).status_code == 302


@needs_redis
def test_mail_is_not_lost_when_redis_is_down_at_signup(database_url, smtp_server, mailbox, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        from redis import Redis

        probe = Redis.from_url(url, socket_connect_timeout=1)
        for _ in range(200):
            try:
                probe.ping()
                break
            except Exception:
                if process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                import time

                time.sleep(0.025)
        probe.close()
        return process

    def stop(process: subprocess.Popen) -> None:
        process.terminate()
        process.wait(timeout=10)

    server = start()
    # Sessions in the database: this test is about the queue's Redis going away.
    application = create_app(make_config(database_url, url, smtp_server.port, SESSION_TYPE="sqlalchemy",
                                         RATELIMIT_STORAGE_URI="memory://"))
    application.test_client_class = FreshRequestClient
    try:
        with application.app_context():
            client = application.test_client()
            page = client.get("/register")
            assert page.status_code == 200
            stop(server)
            response = register(client, "alice")
            assert response.status_code == 303
            assert "Hi, alice" in client.get("/").get_data(as_text=True)
            [row] = rows()
            assert row.status == PENDING and row.enqueued_at is None
            assert services.sweep_outbox(grace=timedelta(0)) == 0  # Redis still away: nothing handed on

            server = start()
            assert services.sweep_outbox(grace=timedelta(0)) == 1
            assert rows()[0].enqueued_at is not None
            assert services.sweep_outbox(grace=timedelta(0)) == 0
            from rq import SimpleWorker

            jobs.make_worker(application, SimpleWorker).work(burst=True, logging_level="WARNING")
            assert len(mailbox.to("alice@example.com")) == 1
            assert rows()[0].status == SENT
            db.session.remove()
            db.engine.dispose()
    finally:
        application.extensions["fairway.redis"].close()
        if server.poll() is None:
            stop(server)


CALLS: list[tuple] = []


def record(*args: object) -> None:
    """A job for the tests below."""
    CALLS.append(args)


@pytest.fixture
def calls():
    CALLS.clear()
    yield CALLS
    CALLS.clear()


def test_embedded_jobs_run_inline_after_commit_only(app, calls):
    if jobs.redis_connection(app) is not None:
        pytest.skip("embedded mode only")
    jobs.enqueue("tests.foundation.test_outbox.record", 1)
    db.session.rollback()
    db.session.commit()
    assert calls == []
    jobs.enqueue("tests.foundation.test_outbox.record", 7, 8)
    assert calls == []
    db.session.commit()
    assert calls == [(7, 8)]


@needs_redis
def test_services_jobs_go_to_the_queue_after_commit_only(app, calls, drain):
    jobs.enqueue("tests.foundation.test_outbox.record", 1)
    db.session.rollback()
    db.session.commit()
    assert jobs.queue("default").count == 0
    jobs.enqueue("tests.foundation.test_outbox.record", 7, 8)
    db.session.commit()
    assert jobs.queue("default").count == 1 and calls == []
    drain()
    assert calls == [(7, 8)]


def test_worker_needs_redis(app, runner):
    if jobs.redis_connection(app) is not None:
        pytest.skip("embedded mode only")
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "needs REDIS_URL" in result.output


@needs_redis
def test_worker_cli_delivers_mail(app, client, mailbox, database_url):
    import os
    import sys
    from pathlib import Path

    register(client, "alice")
    register(client.application.test_client(), "bob")
    assert mailbox.messages == []
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(app.config["MAIL_PORT"]),
               SECRET_KEY=app.config["SECRET_KEY"], APP_BASE_URL="http://fairway.test")
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run([flask, "--app", "wsgi", "worker", "--burst"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(mailbox.to("alice@example.com")) == 1
    assert len(mailbox.to("bob@example.com")) == 1
    assert [row.status for row in rows()] == [SENT, SENT]

"""Fixtures: an app per test on a migrated database, embedded (SQLite, inline jobs) by default,
real PostgreSQL, Redis, an RQ worker and an SMTP sink when TEST_DATABASE_URL / TEST_REDIS_URL
are set. A configured service that does not answer fails the run; it never skips."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import g, has_app_context
from flask.testing import FlaskClient

from app import create_app, jobs
from app.extensions import db
from app.referrals import clicks

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
SERVICES = bool(TEST_DATABASE_URL or TEST_REDIS_URL)
SECRET = "test-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- mail ----------------------------------------------------------------------------------


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    message_id: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    port: int
    messages: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        with self.lock:
            self.messages.append(
                Mail(
                    to=list(envelope.rcpt_tos),
                    subject=str(msg["Subject"]),
                    body=body.get_content() if body is not None else "",
                    message_id=str(msg["Message-ID"]),
                    headers={name: str(value) for name, value in msg.items()},
                )
            )
        return "250 OK"

    def to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.messages if address in m.to]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpSink) -> Iterator[SmtpSink]:
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


# --- database ------------------------------------------------------------------------------


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy"})
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: PostgreSQL rebuilt from the migrations once, or a SQLite file to copy."""
    if TEST_DATABASE_URL:
        from app.config import database_url

        url = database_url(TEST_DATABASE_URL, "")
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        except sa.exc.OperationalError as exc:
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {exc}", returncode=3)
        finally:
            engine.dispose()
        _migrate(url)
        return url
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    return str(path)


def _truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            name for name in sa.inspect(conn).get_table_names() if name != "alembic_version"
        ]
        if tables:
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    if not TEST_REDIS_URL:
        return None
    from redis import Redis

    try:
        Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.exit(f"TEST_REDIS_URL is set but Redis does not answer: {exc}", returncode=3)
    return TEST_REDIS_URL


def make_config(database_url: str, redis_url: str | None, smtp_port: int, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "SESSION_TYPE": "redis" if redis_url else "sqlalchemy",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_SUPPRESS_SEND": False,
        "APP_BASE_URL": "http://fairway.test",
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        _truncate_all(database_template)
        return database_template
    path = tmp_path / "fairway.db"
    shutil.copy(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(database_url: str, redis_url: str | None, smtp_server: SmtpSink, config_overrides: dict[str, Any]):
    if redis_url:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
    application = create_app(make_config(database_url, redis_url, smtp_server.port, **config_overrides))
    with application.app_context():
        yield application
        # Clicks still buffered in this process go now, not into the next test's Redis.
        clicks.buffer(application).hand_on()
        db.session.remove()
        db.engine.dispose()
    redis = application.extensions.get("fairway.redis")
    if redis is not None:
        redis.close()


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    Tests keep one app context open (to share the database session with the requests they
    make), and Flask reuses an open app context for requests: without this, Flask-Login's
    cached user and Flask-WTF's cached CSRF token would leak from one request to the next.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshRequestClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def drain(app):
    """Run queued jobs to completion: a real RQ worker (burst) in services mode; in embedded
    mode jobs already ran inline after commit, so there is nothing left to do."""

    def run() -> None:
        if jobs.redis_connection(app) is None:
            return
        from rq import SimpleWorker

        jobs.make_worker(app, SimpleWorker).work(burst=True, logging_level="WARNING")

    return run

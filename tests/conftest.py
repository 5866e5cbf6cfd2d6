"""Fixtures: an app per test on a migrated database, embedded (SQLite, inline jobs) by default,
real PostgreSQL, Redis, an RQ worker and an SMTP sink when TEST_DATABASE_URL / TEST_REDIS_URL
are set. A configured service that does not answer fails the run; it never skips.

Under pytest-xdist every worker has its own of everything: a PostgreSQL database it creates
(TEST_DATABASE_URL's name + ``_gw0``, ``_gw1``...; ``_main`` without xdist) and drops at the end,
the Redis db TEST_REDIS_URL names + the worker's index, an SMTP sink on a free port, a SQLite
template in its own temporary folder. The database TEST_DATABASE_URL names is never touched
(it need not exist): only its server and its name are used."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import g, has_app_context
from flask.testing import FlaskClient

from app import create_app, jobs
from app.extensions import db
from app.identity.models import User
from app.referrals import clicks
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
SERVICES = bool(TEST_DATABASE_URL or TEST_REDIS_URL)
SECRET = "test-secret-key-not-for-production"
#: "gw0", "gw1"... under pytest-xdist; "" in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
#: The comment that marks a database as this suite's own, the only kind it ever drops.
SCRATCH_MARK = "fairway test scratch database"
MARK_OF = sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before any xdist worker starts: a configured service that does not answer ends the run
    here, with its reason, instead of in every worker."""
    if hasattr(session.config, "workerinput"):
        return
    if TEST_DATABASE_URL:
        workers = len(getattr(session.config.option, "tx", None) or [])
        names = [scratch_database_url(TEST_DATABASE_URL, f"gw{i}").database for i in range(workers)] or [
            scratch_database_url(TEST_DATABASE_URL).database]
        engine = _maintenance_engine(scratch_database_url(TEST_DATABASE_URL))
        try:
            with engine.connect() as conn:
                for name in names:
                    found = conn.execute(MARK_OF, {"name": name}).first()
                    if found is not None and found[0] != SCRATCH_MARK:
                        pytest.exit(f"database {name!r} exists and is not one these tests made; "
                                    "choose another TEST_DATABASE_URL name", returncode=3)
        except sa.exc.DBAPIError as exc:
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {exc}", returncode=3)
        finally:
            engine.dispose()
    if TEST_REDIS_URL:
        from redis import Redis

        try:
            Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
        except Exception as exc:
            pytest.exit(f"TEST_REDIS_URL is set but Redis does not answer: {exc}", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With services configured, the ``one_mode`` tests are deselected: the embedded run has
    already proved what they check, which no database or job queue changes (see the marker's
    description in pyproject.toml). Deselected, not skipped: nothing is reported as skipped."""
    if not SERVICES:
        return
    once = [item for item in items if item.get_closest_marker("one_mode")]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not item.get_closest_marker("one_mode")]


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
    html: str = ""  # the HTML part, if the mail has one


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    port: int
    messages: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        with self.lock:
            self.messages.append(
                Mail(
                    to=list(envelope.rcpt_tos),
                    subject=str(msg["Subject"]),
                    body=body.get_content() if body is not None else "",
                    message_id=str(msg["Message-ID"]),
                    headers={name: str(value) for name, value in msg.items()},
                    html=html.get_content() if html is not None else "",
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


def worker_index() -> int:
    """0 in a plain run and on xdist's first worker, 1 on the second, and so on."""
    return int(WORKER[2:]) if WORKER.startswith("gw") else 0


def scratch_database_url(base_url: str, worker: str = WORKER) -> sa.engine.URL:
    """This worker's own database on TEST_DATABASE_URL's server: its name + ``_gw<n>`` (or
    ``_main``), spoken to with psycopg 3."""
    base = sa.engine.make_url(base_url)
    name = f"{base.database or 'fairway_test'}_{worker or 'main'}"
    if len(name) > 63:  # PostgreSQL's identifier limit
        pytest.exit(f"TEST_DATABASE_URL's database name is too long for {name!r}", returncode=4)
    return base.set(drivername="postgresql+psycopg", database=name)


def _maintenance_engine(url: sa.engine.URL) -> sa.Engine:
    """The server's ``postgres`` database, where databases are created and dropped."""
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                            connect_args={"connect_timeout": 5})


def create_scratch_database(url: sa.engine.URL) -> None:
    """Create ``url``'s database, marked as ours. A leftover of an earlier run (same name, our
    mark) is dropped first; a database of that name without our mark stops the run."""
    name = url.database
    engine = _maintenance_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(MARK_OF, {"name": name}).first()
            if found is not None:
                if found[0] != SCRATCH_MARK:
                    pytest.exit(f"database {name!r} exists and is not one these tests made; "
                                "choose another TEST_DATABASE_URL name", returncode=3)
                conn.execute(sa.text(f'DROP DATABASE "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            conn.execute(sa.text(f"COMMENT ON DATABASE \"{name}\" IS '{SCRATCH_MARK}'"))
    except sa.exc.DBAPIError as exc:
        pytest.exit(f"TEST_DATABASE_URL is set but its server did not make {name!r}: {exc}", returncode=3)
    finally:
        engine.dispose()


def drop_scratch_database(url: sa.engine.URL) -> None:
    """Drop a database ``create_scratch_database`` made (connections still open are ended)."""
    engine = _maintenance_engine(url)
    try:
        with engine.connect() as conn:
            mark = conn.execute(MARK_OF, {"name": url.database}).scalar()
            if mark == SCRATCH_MARK:
                conn.execute(sa.text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: this worker's own PostgreSQL database, created and migrated once
    and dropped at the end, or a SQLite file to copy."""
    if TEST_DATABASE_URL:
        scratch = scratch_database_url(TEST_DATABASE_URL)
        create_scratch_database(scratch)
        url = scratch.render_as_string(hide_password=False)
        try:
            _migrate(url)
            yield url
        finally:
            _forget_reset_state(url)
            drop_scratch_database(scratch)
        return
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    yield str(path)


#: Per database URL: an engine kept for the session, and the tables in an order safe to empty
#: them in (a table before every table it references). The schema is the migrated one
#: throughout the session.
_RESET: dict[str, tuple[sa.Engine, list[str]]] = {}
#: A table with more rows than this (a test that loads thousands) is emptied with TRUNCATE, which
#: leaves no dead rows behind for the next test's queries and plans.
DELETE_AT_MOST = 1000


def _reset_state(url: str) -> tuple[sa.Engine, list[str]]:
    if url not in _RESET:
        engine = sa.create_engine(url)
        metadata = sa.MetaData()
        metadata.reflect(engine)
        order = [table.name for table in reversed(metadata.sorted_tables) if table.name != "alembic_version"]
        _RESET[url] = (engine, order)
    return _RESET[url]


def _truncate_all(url: str) -> None:
    """Empty every table and restart every sequence, as ``TRUNCATE ... RESTART IDENTITY`` of all
    of them would, at a tenth of its cost: TRUNCATE makes new files for each of the ~36 tables
    and their indexes (~0.3 s a test); most tests write to a few tables, so only those are
    emptied (DELETE, children first) and only the sequences that were used are restarted."""
    engine, order = _reset_state(url)
    with engine.begin() as conn:
        # Each table's rows, counted up to DELETE_AT_MOST + 1 (no further: "more than that").
        limit = DELETE_AT_MOST + 1
        counts = " UNION ALL ".join(
            f"SELECT '{name}', (SELECT count(*) FROM (SELECT FROM \"{name}\" LIMIT {limit}) AS r)"
            for name in order
        )
        filled = {name: rows for name, rows in conn.execute(sa.text(counts)) if rows}
        if any(rows > DELETE_AT_MOST for rows in filled.values()):
            conn.execute(sa.text(f"TRUNCATE {', '.join(order)} RESTART IDENTITY CASCADE"))
            return
        for name in order:
            if name in filled:
                conn.execute(sa.text(f'DELETE FROM "{name}"'))
        used = conn.execute(sa.text(
            "SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL")).all()
        for schema, name in used:
            conn.execute(sa.text(f'ALTER SEQUENCE "{schema}"."{name}" RESTART'))


def _forget_reset_state(url: str) -> None:
    state = _RESET.pop(url, None)
    if state is not None:
        state[0].dispose()


def worker_redis_url(base_url: str, index: int | None = None) -> str:
    """TEST_REDIS_URL's db + the worker's index: with ``/8``, gw0 uses db 8 and gw1 db 9."""
    parts = urlsplit(base_url)
    db_index = int(parts.path.strip("/") or 0) + (worker_index() if index is None else index)
    if db_index > 15:
        pytest.exit(f"TEST_REDIS_URL's db + the worker's index is {db_index}; Redis has 0-15", returncode=4)
    return urlunsplit(parts._replace(path=f"/{db_index}"))


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    if not TEST_REDIS_URL:
        return None
    from redis import Redis

    url = worker_redis_url(TEST_REDIS_URL)
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.exit(f"TEST_REDIS_URL is set but Redis does not answer: {exc}", returncode=3)
    return url


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
def make_user(app) -> Callable[..., User]:
    """``make_user("ann", verified=False, admin=True, active=False)``: a committed account whose
    password is PASSWORD (tests.factories.make_user, the suite's one account factory)."""
    return factories.make_user


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

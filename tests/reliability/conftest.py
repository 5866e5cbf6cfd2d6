"""Fault fixtures: a private Redis server this test may stop and start, and an app on it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis

from app import create_app
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, FreshRequestClient, SmtpSink, free_port, make_config

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="faults are proven on PostgreSQL and a real Redis (services mode)"
)


class PrivateRedis:
    """A ``redis-server`` on a free loopback port, kept in memory only, that a test can stop
    (as an outage) and start again on the same port."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed; the fault tests need it")
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise AssertionError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage_app(database_url: str, private_redis: PrivateRedis, smtp_server: SmtpSink,
               config_overrides: dict[str, Any]):
    """An app whose sessions, queues and limits live on the private Redis. Errors are handled
    as in production (not propagated to the test), so the test sees what a visitor sees."""
    config = make_config(database_url, private_redis.url, smtp_server.port,
                         PROPAGATE_EXCEPTIONS=False, **config_overrides)
    application = create_app(config)
    application.test_client_class = FreshRequestClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()

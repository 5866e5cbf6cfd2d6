"""Expired database sessions are deleted at the tick (the worker's, or embedded mode's ticker),
never by a request: Flask-Session's cleanup in a random one request of 500 put an extra
statement into that request."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import jobs
from app.clock import utcnow
from app.core.sessions import ServerSession
from app.extensions import db


@pytest.fixture
def config_overrides(request) -> dict[str, object]:
    # Sessions in the database in both modes (services mode keeps them in Redis otherwise).
    return {"SESSION_TYPE": "sqlalchemy", **getattr(request, "param", {})}


def add_sessions() -> None:
    db.session.add_all([
        ServerSession("fairway:session:expired", b"\x80", utcnow() - timedelta(minutes=1)),
        ServerSession("fairway:session:live", b"\x80", utcnow() + timedelta(days=1)),
    ])
    db.session.commit()


def session_ids() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(ServerSession.session_id).order_by(ServerSession.session_id)))


def test_no_request_cleans_sessions(app, client, monkeypatch):
    add_sessions()
    monkeypatch.setattr(random, "randint", lambda low, high: 0)  # Flask-Session's 1-in-N draw
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/login").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert not [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert {"fairway:session:expired", "fairway:session:live"} <= set(session_ids())


def test_the_tick_deletes_expired_sessions_and_keeps_live_ones(app):
    add_sessions()
    jobs.tick()
    assert session_ids() == ["fairway:session:live"]


def test_the_worker_tick_cleans_sessions(app):
    if jobs.redis_connection(app) is None:
        pytest.skip("the worker needs Redis (services mode)")
    add_sessions()
    jobs.make_worker(app).run_maintenance_tasks()
    assert session_ids() == ["fairway:session:live"]


def test_the_embedded_ticker_cleans_sessions(app):
    add_sessions()
    ticker = jobs.EmbeddedTicker(app)
    ticker.seconds = 0.05
    ticker.start()
    try:
        deadline = time.monotonic() + 10
        while session_ids() != ["fairway:session:live"]:
            assert time.monotonic() < deadline, "the ticker never cleaned"
            time.sleep(0.05)
    finally:
        ticker.stop()


@pytest.mark.parametrize("config_overrides", [{"TESTING": False}], indirect=True)
def test_embedded_mode_starts_its_ticker_with_the_first_request(app, client):
    if jobs.redis_connection(app) is not None:
        pytest.skip("embedded mode only: services mode has the worker")
    assert "fairway.ticker" not in app.extensions
    client.get("/healthz")
    ticker = app.extensions["fairway.ticker"]
    try:
        assert ticker._thread is not None and ticker._thread.is_alive()
    finally:
        ticker.stop()

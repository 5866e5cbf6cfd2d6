"""Clicks on /r/<code> wait in the web process, then (with Redis) in a Redis list that the worker
moves into the table: the figures stay exact meanwhile, each click lands once, nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app, jobs
from app.config import ConfigError
from app.extensions import db
from app.referrals import clicks, services
from app.referrals.models import ReferralClick, ReferralCode
from tests.conftest import TEST_REDIS_URL, make_config

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="the click buffer lives in Redis (services mode)")


def rows() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReferralClick)) or 0


def click(app, code: str, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    for i in range(times):
        answer = app.test_client().get(f"/r/{code}", environ_overrides={"REMOTE_ADDR": f"198.51.100.{i}"})
        assert answer.status_code == 303


def test_a_click_counts_at_once_and_lands_once(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 2)
    assert rows() == 0
    assert services.stats_for(user).clicks == 2
    clicks.flush_clicks()
    assert rows() == 2
    assert services.stats_for(user).clicks == 2
    clicks.flush_clicks()
    assert rows() == 2


def landed(app, count: int) -> int:  # type: ignore[no-untyped-def]
    """Clicks handed on out of this process (to Redis's list, or the table), once ``count``
    have or after ten seconds."""
    redis = jobs.redis_connection(app)
    deadline = time.monotonic() + 10
    while (found := redis.llen(clicks.REDIS_LIST) if redis is not None else rows()) != count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return found


def held(app, code_ids: set[int]) -> int:  # type: ignore[no-untyped-def]
    """Clicks this process still holds, once none are or after ten seconds: the thread commits
    the clicks it hands on a moment before it stops counting them as held."""
    deadline = time.monotonic() + 10
    while (found := clicks.buffer(app).pending(code_ids)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def quick_buffer(app) -> None:  # type: ignore[no-untyped-def]
    app.config["REFERRAL_CLICK_FLUSH_SECONDS"] = 0.05
    app.extensions.pop("fairway.referral_clicks", None)


def test_the_process_hands_clicks_on_by_itself(app, make_user):
    """Without anyone flushing, the buffer's thread moves clicks on within its interval."""
    quick_buffer(app)
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 3)
    assert landed(app, 3) == 3
    assert held(app, {services.link_target(code).code_id or 0}) == 0
    assert services.stats_for(user).clicks == 3


def test_the_thread_keeps_trying_after_a_failure(app, make_user, monkeypatch):
    quick_buffer(app)
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    store, calls = clicks._store, []

    def down_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store is down")
        store(*args, **kwargs)

    monkeypatch.setattr(clicks, "_store", down_once)
    click(app, code, 2)
    assert landed(app, 2) == 2
    assert len(calls) == 2
    assert services.stats_for(user).clicks == 2


def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("store is down")


def test_clicks_that_cannot_be_handed_on_are_kept(app, make_user, monkeypatch):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 2)
    monkeypatch.setattr(clicks, "_store", broken)
    with pytest.raises(RuntimeError):
        clicks.buffer(app).hand_on()
    assert services.stats_for(user).clicks == 2
    monkeypatch.undo()
    clicks.flush_clicks()
    assert rows() == 2


def test_a_process_holds_a_bounded_number_of_clicks(app, make_user, monkeypatch):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    monkeypatch.setattr(clicks, "_store", broken)
    monkeypatch.setattr(clicks, "MAX_HELD", 3)
    click(app, code, 5)
    assert clicks.buffer(app).pending({services.link_target(code).code_id or 0}) == 3


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "inf", "7200"])
def test_the_flush_interval_is_checked_at_start(database_url, monkeypatch, seconds):
    monkeypatch.setenv("REFERRAL_CLICK_FLUSH_SECONDS", seconds)
    with pytest.raises(ConfigError, match="REFERRAL_CLICK_FLUSH_SECONDS"):
        create_app(make_config(database_url, None, 25))


@needs_redis
def test_buffered_clicks_count_at_once_and_land_once(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 3)
    assert rows() == 0
    assert services.stats_for(user).clicks == 3
    assert clicks.flush_clicks() == 3
    assert rows() == 3
    assert services.stats_for(user).clicks == 3
    assert clicks.flush_clicks() == 0
    assert rows() == 3


@needs_redis
def test_the_worker_moves_clicks_at_its_tick(app, make_user, database_url):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 2)
    clicks.buffer(app).hand_on()  # what the web process's thread does within a second
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=app.config["REDIS_URL"],
               SECRET_KEY=app.config["SECRET_KEY"])
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    worker = subprocess.run([flask, "--app", "wsgi", "worker", "--burst"], cwd=Path(__file__).parents[2],
                            env=env, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert rows() == 2


@needs_redis
def test_clicks_of_a_deleted_code_are_dropped_not_stuck(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code)
    db.session.execute(sa.delete(ReferralCode))
    db.session.commit()
    assert clicks.flush_clicks() == 0
    assert jobs.redis_connection(app).llen(clicks.REDIS_LIST) == 0  # type: ignore[union-attr]


@needs_redis
def test_two_flushers_never_land_a_click_twice(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 40)
    moved: list[int] = []
    start = threading.Barrier(4)

    def flush() -> None:
        with app.app_context():
            start.wait()
            total = 0
            buffer = jobs.redis_connection()
            while (count := clicks.flush_clicks(batch=5)) or buffer.llen(clicks.REDIS_LIST):
                total += count
            moved.append(total)
            db.session.remove()

    threads = [threading.Thread(target=flush) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(moved) == 40
    assert rows() == 40
    assert services.stats_for(user).clicks == 40

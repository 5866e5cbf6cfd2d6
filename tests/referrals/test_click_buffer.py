"""With Redis, clicks on /r/<code> are buffered there and moved into the table by the worker:
the figures stay exact meanwhile, each click lands once, and nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.referrals import services
from app.referrals.models import ReferralClick, ReferralCode
from tests.conftest import TEST_REDIS_URL

needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="the click buffer lives in Redis (services mode)")


def rows() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReferralClick)) or 0


def click(app, code: str, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    for i in range(times):
        answer = app.test_client().get(f"/r/{code}", environ_overrides={"REMOTE_ADDR": f"198.51.100.{i}"})
        assert answer.status_code == 303


def test_without_redis_a_click_is_a_row_at_once(app, make_user):
    if jobs.redis_connection(app) is not None:
        pytest.skip("embedded mode only")
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 2)
    assert rows() == 2
    assert services.flush_clicks() == 0
    assert services.stats_for(user).clicks == 2


@needs_redis
def test_buffered_clicks_count_at_once_and_land_once(app, make_user):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 3)
    assert rows() == 0
    assert services.stats_for(user).clicks == 3
    assert services.flush_clicks() == 3
    assert rows() == 3
    assert services.stats_for(user).clicks == 3
    assert services.flush_clicks() == 0
    assert rows() == 3


@needs_redis
def test_the_worker_moves_clicks_at_its_tick(app, make_user, database_url):
    user = make_user("ann")
    code = services.current_code(user)
    db.session.commit()
    click(app, code, 2)
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
    assert services.flush_clicks() == 0
    assert jobs.redis_connection(app).llen(services.CLICK_BUFFER) == 0  # type: ignore[union-attr]


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
            while (count := services.flush_clicks(batch=5)) or buffer.llen(services.CLICK_BUFFER):
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

"""Clicks on referral links, counted without slowing the link down.

``/r/<code>`` is the busiest page there is, so a click costs it no I/O: it joins a buffer in
the web process. A thread hands the buffer on every ``REFERRAL_CLICK_FLUSH_SECONDS``, to a list
in Redis (or, in embedded mode, straight to the table), and the worker moves Redis's list into
the table at each maintenance tick. Figures add what is still buffered in Redis and in this
process, so they lag only by other web processes' clicks of the last interval. A process that
stops hands its buffer on as the interpreter exits (after the server's last requests); one
killed outright loses what it still holds: one interval's clicks, more only while handing on
keeps failing (then at most ``MAX_HELD``). Counts only, never a sign-up's attribution. A Redis
error in mid-answer (the list written, the reply lost) sends the batch to the table too: it can
count twice, never lose.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
import time
import weakref
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from redis.exceptions import RedisError

from app import jobs
from app.clock import utcnow
from app.core.cache import per_app
from app.extensions import db
from app.privacy import hash_identifier
from app.referrals.models import ReferralClick, ReferralCode

log = logging.getLogger(__name__)

REDIS_LIST = "fairway:referral_clicks"
REDIS_PENDING = "fairway:referral_clicks:pending"  # code id -> clicks still in the Redis list
#: The most clicks a process holds while it cannot hand them on; the oldest go first.
MAX_HELD = 100_000

#: (code id, keyed hash of the address, ISO time)
Click = tuple[int, str, str]


class ClickBuffer:
    """One web process's clicks not yet handed on, and the thread that hands them on.

    Clicks wait as JSON strings with a count per code: strings are invisible to the garbage
    collector, so thousands of waiting clicks never set off a full collection."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seconds = float(app.config["REFERRAL_CLICK_FLUSH_SECONDS"])
        self._clicks: list[str] = []
        self._counts: Counter[int] = Counter()
        self._moving: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._hand_on_lock = threading.Lock()
        self._mover: threading.Thread | None = None
        self._hands_on_at_exit = False

    def add(self, click: Click) -> None:
        entry = json.dumps(click)
        with self._lock:
            self._clicks.append(entry)
            self._counts[click[0]] += 1
            if len(self._clicks) > MAX_HELD:
                self._drop_oldest()
            if self._mover is None:
                self._start_mover()

    def pending(self, code_ids: set[int]) -> int:
        with self._lock:
            return sum(self._counts[code_id] + self._moving[code_id] for code_id in code_ids)

    def hand_on(self) -> int:
        """Hand every buffered click on now; returns how many went. On failure they stay."""
        with self._hand_on_lock:
            with self._lock:
                clicks, self._clicks = self._clicks, []
                self._moving, self._counts = self._counts, Counter()
            if not clicks:
                return 0
            try:
                with self.app.app_context():
                    _store(clicks, self._moving)
            except Exception:
                with self._lock:
                    self._clicks[:0] = clicks
                    self._counts.update(self._moving)
                    self._moving = Counter()
                    if len(self._clicks) > MAX_HELD:
                        self._drop_oldest()
                raise
            with self._lock:
                self._moving = Counter()
            from app.ops.metrics import count_clicks

            count_clicks(self.app, len(clicks))
            return len(clicks)

    def _drop_oldest(self) -> None:
        """Called with the lock held, when clicks could not be handed on for a long time."""
        dropped = self._clicks[: len(self._clicks) - MAX_HELD]
        log.error("dropping %d buffered clicks that could not be handed on", len(dropped))
        del self._clicks[: len(dropped)]
        self._counts.subtract(json.loads(entry)[0] for entry in dropped)

    def _start_mover(self) -> None:
        """Called with the lock held. If no thread can be started, the clicks wait for the next."""
        mover = threading.Thread(target=self._run, name="referral-clicks", daemon=True)
        try:
            mover.start()
        except RuntimeError as exc:
            log.warning("could not start the click mover: %s", exc)
            return
        self._mover = mover
        if not self._hands_on_at_exit:
            # Requests still running when a server's exit hook ran finish before this.
            atexit.register(_hand_on_at_exit, weakref.ref(self))
            self._hands_on_at_exit = True

    def _run(self) -> None:
        """Hand clicks on while there are any, waiting longer after each failure (up to a
        minute); the first click into an empty buffer starts a new thread."""
        failures = 0
        try:
            while True:
                time.sleep(min(self.seconds * 2**failures, 60.0))
                with self._lock:
                    if not self._clicks:
                        self._mover = None
                        return
                try:
                    self.hand_on()
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("could not hand on buffered referral clicks; keeping them")
        except BaseException:
            with self._lock:
                self._mover = None
            raise


def _hand_on_at_exit(ref: weakref.ref[ClickBuffer]) -> None:
    found = ref()
    if found is not None:
        try:
            found.hand_on()
        except Exception:
            log.exception("could not hand on buffered referral clicks at exit")


def buffer(app: Flask | None = None) -> ClickBuffer:
    return per_app("fairway.referral_clicks", ClickBuffer, app)


def record_click(code_id: int, ip: str) -> None:
    """Count a click on a referral code; the address is kept only as a keyed hash."""
    buffer().add((code_id, hash_identifier(ip), utcnow().isoformat()))


def _store(clicks: list[str], counts: Counter[int]) -> None:
    """Into Redis's list when there is one (the worker moves it on), otherwise the table."""
    redis = jobs.redis_connection()
    if redis is not None:
        try:
            pipe = redis.pipeline()
            pipe.rpush(REDIS_LIST, *clicks)
            for code_id, count in counts.items():
                pipe.hincrby(REDIS_PENDING, str(code_id), count)
            pipe.execute()
            return
        except RedisError as exc:
            log.warning("click list unavailable, writing %d clicks to the table: %s", len(clicks), exc)
    _insert(clicks)


def _insert(entries: list[str] | list[bytes]) -> int:
    """Write clicks of codes that still exist; returns how many were written."""
    clicks: list[Click] = [tuple(json.loads(entry)) for entry in entries]  # type: ignore[misc]
    live = set(db.session.scalars(
        sa.select(ReferralCode.id).where(ReferralCode.id.in_({click[0] for click in clicks}))
    ))
    rows = [{"code_id": code_id, "ip_hash": ip_hash, "created_at": datetime.fromisoformat(at)}
            for code_id, ip_hash, at in clicks if code_id in live]
    if rows:
        db.session.execute(sa.insert(ReferralClick), rows)
    db.session.commit()
    return len(rows)


def flush_clicks(batch: int = 5000) -> int:
    """Hand on this process's clicks, then move Redis's list into the table; returns how many
    rows were written from Redis. The worker calls it at each maintenance tick.

    One mover at a time (a Redis lock). The list is trimmed only after the rows are committed,
    so a crash in between can count a batch twice but never loses one."""
    buffer().hand_on()
    redis = jobs.redis_connection()
    if redis is None:
        return 0
    lock = redis.lock(REDIS_LIST + ":flush", timeout=120)
    if not lock.acquire(blocking=False):
        return 0
    moved = 0
    try:
        while entries := redis.lrange(REDIS_LIST, 0, batch - 1):
            moved += _insert(entries)
            pipe = redis.pipeline()
            pipe.ltrim(REDIS_LIST, len(entries), -1)
            for code_id, count in Counter(json.loads(entry)[0] for entry in entries).items():
                pipe.hincrby(REDIS_PENDING, str(code_id), -count)
            pipe.execute()
    finally:
        lock.release()
    return moved


def buffered(code_ids: list[int]) -> int:
    """Clicks on these codes not yet in the table: in this process and in Redis."""
    if not code_ids:
        return 0
    count = buffer().pending(set(code_ids))
    redis = jobs.redis_connection()
    if redis is None:
        return count
    try:
        counts = redis.hmget(REDIS_PENDING, [str(code_id) for code_id in code_ids])
    except RedisError:
        return count
    return count + sum(max(0, int(value)) for value in counts if value is not None)

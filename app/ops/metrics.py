"""The app's Prometheus series, and the hooks that move them.

Counts live in ``prometheus_client`` objects. Under gunicorn each worker writes its own files
in ``PROMETHEUS_MULTIPROC_DIR`` (read once, when ``prometheus_client`` is imported) and a scrape
sums them, so any worker can answer for all; without that directory (tests, the development
server) they live in this process. Counts of things written to the database (sign-ups,
verifications, invites, points, referrals) move only when the transaction that wrote them
commits, so a refused sign-up counts nothing. No label carries a user, an address or a code:
the only labels are the Flask endpoint (or ``unmatched``), the status and the queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction, object_session

CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
_STARTED = "_fairway_started"
_PENDING = "fairway_metrics_pending"

REQUEST_DURATION = Histogram(
    "fairway_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by Flask endpoint and status.",
    ["endpoint", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)
SIGNUPS = Counter("fairway_signups", "Accounts created (committed sign-ups).", registry=None)
VERIFICATIONS = Counter("fairway_verifications", "Addresses verified for the first time.", registry=None)
REFERRAL_CLICKS = Counter(
    "fairway_referral_clicks", "Clicks on referral links, counted as web processes hand them on.",
    registry=None,
)
REFERRAL_SIGNUPS = Counter(
    "fairway_referral_signups", "Sign-ups credited to a referrer (referred_by written).", registry=None
)
REFERRAL_VERIFIED = Counter(
    "fairway_referral_verified", "Referred players who verified their address (referrer paid).",
    registry=None,
)
INVITES_REDEEMED = Counter("fairway_invites_redeemed", "Invite codes used at sign-up.", registry=None)
POINTS_AWARDED = Counter("fairway_points_awarded", "Points credited to players' ledgers.", registry=None)
TIME_TO_CODE = Histogram(
    "fairway_time_to_code_seconds",
    "From a sign-up request's arrival to the commit that makes the new player's referral code "
    "readable (seed 004: p95 <= 1 s).",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0),
    registry=None,
)
MINT_RETRIES = Histogram(
    "fairway_referral_code_mint_retries",
    "Conflicts a referral code mint retried before it succeeded (seed 004: p99 < 2).",
    buckets=(0.0, 1.0, 2.0, 3.0, 4.0),
    registry=None,
)

SERIES: tuple[Collector, ...] = (
    REQUEST_DURATION, SIGNUPS, VERIFICATIONS, REFERRAL_CLICKS, REFERRAL_SIGNUPS, REFERRAL_VERIFIED,
    INVITES_REDEEMED, POINTS_AWARDED, TIME_TO_CODE, MINT_RETRIES,
)


def enabled(app: Flask) -> bool:
    """Metrics are kept only while someone may read them (``METRICS_TOKEN`` set)."""
    return bool(app.config.get("METRICS_TOKEN"))


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """Every series in Prometheus's text format: summed over all web processes' files in
    multiprocess mode, this process's otherwise; ``extra`` collectors are read now."""
    registry = CollectorRegistry(auto_describe=False)
    # prometheus_client reads the same variable from the environment; config.py checked it.
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:
        MultiProcessCollector(registry)
    else:
        for series in SERIES:
            registry.register(series)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


# --- requests ----------------------------------------------------------------------------


def start_clock() -> None:
    setattr(g, _STARTED, time.perf_counter())


def request_seconds() -> float:
    """Seconds since this request arrived (0 if the clock was never started)."""
    started = g.get(_STARTED)
    return time.perf_counter() - started if started is not None else 0.0


#: (endpoint, status) -> the histogram's child: ``labels()`` costs about as much as the
#: observation itself (3 us of 7 on the development machine), and the pairs are few.
_REQUEST_SERIES: dict[tuple[str, int], Any] = {}


def observe_request(status: int, seconds: float) -> None:
    key = (request.endpoint or UNMATCHED, status)
    series = _REQUEST_SERIES.get(key)
    if series is None:
        series = _REQUEST_SERIES.setdefault(key, REQUEST_DURATION.labels(key[0], str(status)))
    series.observe(seconds)


# --- counts that follow a commit ---------------------------------------------------------


def after_commit(session: OrmSession, count: Callable[[], None]) -> None:
    """Run ``count()`` once ``session``'s outermost transaction commits; a rollback drops it."""
    session.info.setdefault(_PENDING, []).append(count)


def _on_commit(session: OrmSession) -> None:
    root = session.get_transaction()
    if root is not None and root.is_active:  # a SAVEPOINT released: wait for the real commit
        return
    for count in session.info.pop(_PENDING, ()):
        count()


def _on_rollback(session: OrmSession, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(_PENDING, None)


def _counts_on_insert(model: type, counter: Counter, amount: Callable[[Any], int]) -> None:
    """Add ``amount(row)`` (read at INSERT time) to ``counter`` once the row's transaction commits."""

    def inserted(mapper: Any, connection: Any, target: Any) -> None:
        if not (has_app_context() and enabled(current_app)):
            return
        session = object_session(target)
        value = amount(target)
        if session is not None and value > 0:
            after_commit(session, lambda: counter.inc(value))

    event.listen(model, "after_insert", inserted)


def bind_sessions() -> None:
    """Listen to every ORM session once per process (apps come and go in tests)."""
    if getattr(bind_sessions, "_bound", False):
        return
    from app.referrals.models import InviteRedemption, PointsEntry, Referral

    event.listen(OrmSession, "after_commit", _on_commit)
    event.listen(OrmSession, "after_soft_rollback", _on_rollback)
    _counts_on_insert(InviteRedemption, INVITES_REDEEMED, lambda _row: 1)
    _counts_on_insert(Referral, REFERRAL_SIGNUPS, lambda _row: 1)
    _counts_on_insert(PointsEntry, POINTS_AWARDED, lambda row: int(row.points or 0))
    bind_sessions._bound = True  # type: ignore[attr-defined]


# --- signal listeners --------------------------------------------------------------------


def _current_session() -> OrmSession:
    from app.extensions import db

    return db.session()  # type: ignore[no-any-return]


def on_user_registered(sender: Flask, user: Any = None, **_: Any) -> None:
    """A sign-up: counted, and its time to code taken, when its transaction commits (the
    referrals area mints the code in that same transaction)."""
    if not enabled(sender):
        return
    started = g.get(_STARTED) if has_request_context() else None
    began = started if started is not None else time.perf_counter()

    def count() -> None:
        SIGNUPS.inc()
        TIME_TO_CODE.observe(time.perf_counter() - began)

    after_commit(_current_session(), count)


def on_email_verified(sender: Flask, **_: Any) -> None:
    if enabled(sender):
        after_commit(_current_session(), VERIFICATIONS.inc)


def on_referral_verified(sender: Flask, **_: Any) -> None:
    if enabled(sender):
        after_commit(_current_session(), REFERRAL_VERIFIED.inc)


def on_code_minted(sender: Flask, retries: int = 0, **_: Any) -> None:
    if enabled(sender):
        MINT_RETRIES.observe(retries)


def count_clicks(app: Flask, clicks: int) -> None:
    """Called by the click buffer once ``clicks`` have been handed on (not on the hot path)."""
    if enabled(app) and clicks > 0:
        REFERRAL_CLICKS.inc(clicks)



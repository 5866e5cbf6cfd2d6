"""The one door to background work.

Callers ask for a job with :func:`enqueue` inside a request's transaction. Nothing leaves
until that transaction commits: then the job goes to an RQ queue (``REDIS_URL`` set) or runs
inline in a fresh application context (embedded mode). Jobs are named by dotted path and take
ids, never objects, so a worker loads fresh rows. If Redis cannot be reached the caller still
succeeds; work that must not be lost (mail) is kept in a table and swept onto the queue later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

log = logging.getLogger(__name__)

QUEUES = ("mail", "default")
#: not an RQ queue: the job runs in this process right after the commit, Redis or not (for
#: work on this machine's files, which a worker elsewhere could not reach)
HERE = "here"
_PENDING = "fairway_pending_jobs"
#: RQ kills a mail job's work horse after this many seconds; the outbox's claim on a row
#: (``app.outbox.services.CLAIM``) lasts longer, so it runs out only once its sender is gone.
MAIL_JOB_TIMEOUT = 120


class PendingJob:
    """A job asked for in a transaction that has not committed yet."""

    def __init__(
        self,
        path: str,
        args: tuple[Any, ...],
        job_id: str | None,
        queue: str,
        on_enqueued: str | None,
        at: datetime | None = None,
    ) -> None:
        self.path = path
        self.args = args
        self.job_id = job_id
        self.queue = queue
        self.on_enqueued = on_enqueued
        self.at = at


def enqueue(
    path: str,
    *args: Any,
    job_id: str | None = None,
    queue: str = "default",
    on_enqueued: str | None = None,
) -> None:
    """Run ``path(*args)`` once the current database transaction commits.

    ``on_enqueued`` names a function called with the same args once the job is on a queue,
    so the caller can record that it no longer needs sweeping.
    """
    from app.extensions import db

    session = db.session()
    if not session.in_transaction():
        # Tie the job to a transaction even when nothing was written yet, so a rollback drops it.
        session.begin()
    pending: list[PendingJob] = session.info.setdefault(_PENDING, [])
    pending.append(PendingJob(path, args, job_id, queue, on_enqueued))


def enqueue_at(at: datetime, path: str, *args: Any, job_id: str | None = None) -> None:
    """Run ``path(*args)`` at ``at`` (naive UTC) on RQ's scheduler, which ``flask worker`` runs,
    once the current transaction commits. Embedded mode has no scheduler and drops the job: work
    scheduled this way must also be found by an ``every_tick`` task (the tick is its clock
    there, and its safety net with Redis), so it has to be safe to run twice."""
    from app.extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()
    pending: list[PendingJob] = session.info.setdefault(_PENDING, [])
    pending.append(PendingJob(path, args, job_id, "default", None, at=at))


def redis_connection(app: Flask | None = None) -> Redis | None:
    """The app's Redis client, or None in embedded mode."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions.get("fairway.redis")


def queue(name: str, app: Flask | None = None) -> Queue:
    """An RQ queue on the app's Redis."""
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("RQ queues need REDIS_URL")
    return Queue(name, connection=connection)


def resolve(path: str) -> Callable[..., Any]:
    """Import the function named by a dotted path such as ``app.outbox.tasks.deliver_mail``."""
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def run_job(path: str, *args: Any) -> Any:
    """Entry point for every job: a fresh app context, so each job has its own DB session."""
    from flask import has_app_context

    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        from app import create_app

        app = create_app()
    with app.app_context():
        return resolve(path)(*args)


def push(app: Flask, job: PendingJob) -> bool:
    """Put one job on its RQ queue; False (and a log line) when Redis does not answer."""
    from app.ops.logs import job_meta  # the request's id follows the job into the worker's logs

    options: dict[str, Any] = {
        "job_id": job.job_id,
        "job_timeout": MAIL_JOB_TIMEOUT if job.queue == "mail" else None,
        "meta": job_meta(),
        "retry": Retry(max=app.config["OUTBOX_MAX_ATTEMPTS"], interval=[5, 30, 120, 600]),
        "failure_ttl": 7 * 24 * 3600,
    }
    try:
        if job.at is not None:
            # RQ reads a naive moment as the machine's local time; ours are UTC.
            queue(job.queue, app).enqueue_at(
                job.at.replace(tzinfo=UTC), "app.jobs.run_job", job.path, *job.args, **options
            )
        else:
            queue(job.queue, app).enqueue("app.jobs.run_job", job.path, *job.args, **options)
        return True
    except Exception as exc:  # Redis down: the caller's transaction has already committed.
        log.warning("could not enqueue %s: %s", job.path, exc)
        return False


def _dispatch(app: Flask, jobs: list[PendingJob]) -> None:
    for job in jobs:
        if job.at is not None and app.extensions.get("fairway.redis") is None:
            continue  # no scheduler here: the tick finds the work when it is due
        if app.extensions.get("fairway.redis") is None or job.queue == HERE:
            try:
                run_job(job.path, *job.args)
            except Exception:
                log.exception("inline job %s failed", job.path)
        elif push(app, job) and job.on_enqueued:
            try:
                run_job(job.on_enqueued, *job.args)
            except Exception:
                log.exception("after-enqueue hook %s failed", job.on_enqueued)


def every_tick(app: Flask, path: str) -> None:
    """Have the worker (in embedded mode, each web process's ticker) call ``path()`` at each of
    its maintenance ticks (every ``OUTBOX_SWEEP_SECONDS``), in an application context: for
    housekeeping such as flushing buffered counters into the database."""
    app.extensions.setdefault("fairway.every_tick", []).append(path)


def init_app(app: Flask) -> None:
    """Bind the after-commit dispatch to the app's database sessions."""
    from app.extensions import db

    if app.config.get("REDIS_URL"):
        app.extensions["fairway.redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
        )

    if app.extensions.get("fairway.redis") is None and not app.testing:

        @app.before_request
        def start_ticker() -> None:
            embedded_ticker(app).start()

    def after_commit(session: OrmSession) -> None:
        # Also sent when a SAVEPOINT is released: the jobs wait until the outermost
        # transaction has committed, since only then can a worker see what they refer to.
        root = session.get_transaction()
        if root is not None and root.is_active:
            return
        jobs = session.info.pop(_PENDING, None)
        if jobs:
            _dispatch(current_app._get_current_object(), jobs)  # type: ignore[attr-defined]

    def after_rollback(session: OrmSession, previous: SessionTransaction) -> None:
        # A SAVEPOINT rolled back leaves the outer transaction, and the jobs it asked for, alive.
        if previous.parent is None:
            session.info.pop(_PENDING, None)

    if not getattr(db, "_fairway_jobs_bound", False):
        event.listen(OrmSession, "after_commit", after_commit)
        event.listen(OrmSession, "after_soft_rollback", after_rollback)
        db._fairway_jobs_bound = True  # type: ignore[attr-defined]


def tick() -> None:
    """One round of housekeeping, in the current application context: sweep unsent mail onto
    the queue, then every area's ``every_tick`` task. A failure is logged, never raised."""
    from app.outbox.services import sweep_outbox

    try:
        swept = sweep_outbox()
        if swept:
            log.info("swept %d unsent mail onto the queue", swept)
    except Exception:
        log.exception("outbox sweep failed")
    for path in current_app.extensions.get("fairway.every_tick", []):
        try:
            resolve(path)()
        except Exception:
            log.exception("maintenance task %s failed", path)


class EmbeddedTicker:
    """Embedded mode has no worker: a daemon thread in each web process runs :func:`tick`
    every ``OUTBOX_SWEEP_SECONDS`` instead, from the first request on."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seconds = float(app.config["OUTBOX_SWEEP_SECONDS"])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._thread is not None:  # every request asks; only the first takes the lock
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fairway-tick", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            with self.app.app_context():
                tick()


def embedded_ticker(app: Flask) -> EmbeddedTicker:
    """The app's ticker (made on first use, not started)."""
    ticker: EmbeddedTicker | None = app.extensions.get("fairway.ticker")
    if ticker is None:
        ticker = app.extensions.setdefault("fairway.ticker", EmbeddedTicker(app))
    return ticker


class FairwayWorker(Worker):
    """An RQ worker that runs :func:`tick` at its maintenance ticks, every
    ``OUTBOX_SWEEP_SECONDS`` even when idle."""

    @property
    def dequeue_timeout(self) -> int:
        """RQ waits up to ``worker_ttl - 15`` (405) seconds for a job before it looks at its
        maintenance again; an idle worker would sweep only that often."""
        return max(1, min(super().dequeue_timeout, int(self.maintenance_interval)))

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        tick()


def make_worker(app: Flask, worker_class: type[Worker] = FairwayWorker) -> Worker:
    """A worker on every Fairway queue, mail first."""
    connection = redis_connection(app)
    if connection is None:
        raise RuntimeError("the worker needs REDIS_URL")
    return worker_class(
        [Queue(name, connection=connection) for name in QUEUES],
        connection=connection,
        maintenance_interval=app.config["OUTBOX_SWEEP_SECONDS"],
    )

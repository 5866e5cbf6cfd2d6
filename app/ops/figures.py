"""What the queues and the outbox hold right now, read when someone looks (a scrape or the
admin's System page): one SQL statement and one Redis pipeline, whoever asks, so both show
the same figures."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app import jobs
from app.clock import utcnow
from app.extensions import db
from app.outbox.models import FAILED, PENDING, OutboxMail

log = logging.getLogger(__name__)


@dataclass
class QueueFigures:
    name: str
    depth: int
    failed: int


@dataclass
class SystemFigures:
    """``None`` where a backend did not answer; ``redis`` is ``ok``, ``down`` or ``disabled``
    (embedded mode: jobs run inline, so every queue is empty by definition)."""

    database_up: bool
    redis: str
    outbox_pending: int | None = None
    outbox_failed: int | None = None
    outbox_oldest_pending_seconds: float | None = None
    queues: list[QueueFigures] = field(default_factory=list)
    workers: int | None = None


def _outbox(now: datetime) -> tuple[int, int, float]:
    pending = OutboxMail.status == PENDING
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((pending, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((OutboxMail.status == FAILED, 1), else_=0)), 0),
            sa.func.min(sa.case((pending, OutboxMail.created_at))),
        ).where(OutboxMail.status.in_((PENDING, FAILED)))
    ).one()
    oldest = row[2]
    if isinstance(oldest, str):  # SQLite loses the column's type through CASE
        oldest = datetime.fromisoformat(oldest)
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return int(row[0]), int(row[1]), age


def _rq(app: Flask) -> tuple[list[QueueFigures], int] | None:
    """Depth and failed jobs per queue and the worker count, in one round trip; None when
    there is no Redis (embedded mode)."""
    connection = jobs.redis_connection(app)
    if connection is None:
        return None
    from rq import Queue, Worker
    from rq.registry import FailedJobRegistry

    pipe = connection.pipeline(transaction=False)
    for name in jobs.QUEUES:
        pipe.llen(Queue(name, connection=connection).key)
        pipe.zcard(FailedJobRegistry(name, connection=connection).key)
    pipe.scard(Worker.redis_workers_keys)
    answers = pipe.execute()
    queues = [
        QueueFigures(name, int(answers[2 * i]), int(answers[2 * i + 1]))
        for i, name in enumerate(jobs.QUEUES)
    ]
    return queues, int(answers[-1])


def read_figures(app: Flask) -> SystemFigures:
    """The outbox and the queues now, in the app's context; a backend that fails is marked
    down instead of failing the caller."""
    figures = SystemFigures(database_up=True, redis="disabled")
    try:
        pending, failed, oldest = _outbox(utcnow())
        figures.outbox_pending, figures.outbox_failed = pending, failed
        figures.outbox_oldest_pending_seconds = oldest
    except Exception as exc:
        db.session.rollback()
        log.warning("figures: the database did not answer: %s", exc)
        figures.database_up = False
    try:
        rq = _rq(app)
    except Exception as exc:
        log.warning("figures: Redis did not answer: %s", exc)
        figures.redis = "down"
    else:
        if rq is None:
            figures.queues = [QueueFigures(name, 0, 0) for name in jobs.QUEUES]
        else:
            figures.redis = "ok"
            figures.queues, figures.workers = rq
    return figures


class FiguresCollector(Collector):
    """The figures as gauges, read at scrape time by whichever process answers the scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        figures = read_figures(self.app)
        up = GaugeMetricFamily("fairway_backend_up", "Whether a backing service answered the scrape.",
                               labels=["backend"])
        up.add_metric(["database"], 1.0 if figures.database_up else 0.0)
        if figures.redis != "disabled":
            up.add_metric(["redis"], 1.0 if figures.redis == "ok" else 0.0)
        yield up
        if figures.database_up:
            yield GaugeMetricFamily("fairway_outbox_pending", "Mail rows waiting to be sent.",
                                    value=figures.outbox_pending)
            yield GaugeMetricFamily("fairway_outbox_failed", "Mail rows that used up their attempts.",
                                    value=figures.outbox_failed)
            yield GaugeMetricFamily("fairway_outbox_oldest_pending_seconds",
                                    "Age of the oldest mail row still pending (0 when none).",
                                    value=figures.outbox_oldest_pending_seconds)
        if figures.redis != "down":
            depth = GaugeMetricFamily("fairway_rq_queue_depth", "Jobs waiting on each RQ queue.",
                                      labels=["queue"])
            failed = GaugeMetricFamily("fairway_rq_failed_jobs", "Jobs in each queue's failed registry.",
                                       labels=["queue"])
            for queue in figures.queues:
                depth.add_metric([queue.name], queue.depth)
                failed.add_metric([queue.name], queue.failed)
            yield depth
            yield failed
        if figures.workers is not None:
            yield GaugeMetricFamily("fairway_rq_workers", "RQ workers registered in Redis.",
                                    value=figures.workers)


# --- the System page's extras (not series: names and errors are no labels) ----------------


@dataclass
class WorkerBeat:
    name: str
    state: str
    queues: list[str]
    last_heartbeat: datetime | None
    seconds_ago: float | None


@dataclass
class FailedJob:
    queue: str
    job_id: str
    function: str
    ended_at: datetime | None
    error: str


@dataclass
class RecentFailure:
    mail_id: int
    kind: str
    attempts: int
    created_at: datetime
    error: str


def worker_beats(app: Flask) -> list[WorkerBeat]:
    connection = jobs.redis_connection(app)
    if connection is None:
        return []
    from rq import Worker

    now = utcnow()
    beats = []
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat.replace(tzinfo=None) if worker.last_heartbeat else None
        beats.append(WorkerBeat(
            worker.name, str(worker.get_state()), list(worker.queue_names()), beat,
            (now - beat).total_seconds() if beat is not None else None,
        ))
    return sorted(beats, key=lambda b: b.name)


def failed_jobs(app: Flask, limit: int = 10) -> list[FailedJob]:
    """The newest jobs in each queue's failed registry, with the last line of their error."""
    connection = jobs.redis_connection(app)
    if connection is None:
        return []
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    found = []
    for name in jobs.QUEUES:
        registry = FailedJobRegistry(name, connection=connection)
        ids = registry.get_job_ids(0, limit - 1, desc=True, cleanup=False)
        for job in Job.fetch_many(ids, connection=connection):
            if job is None:
                continue
            info = job.latest_result()
            text = (info.exc_string or "") if info is not None else ""
            lines = [line for line in text.strip().splitlines() if line.strip()]
            found.append(FailedJob(name, job.id, str(job.args[0]) if job.args else str(job.func_name),
                                   job.ended_at, lines[-1][:300] if lines else ""))
    found.sort(key=lambda job: job.ended_at or datetime.min, reverse=True)
    return found[:limit]


def recent_mail_failures(limit: int = 10) -> list[RecentFailure]:
    rows = db.session.execute(
        sa.select(OutboxMail.id, OutboxMail.kind, OutboxMail.attempts, OutboxMail.created_at,
                  OutboxMail.last_error)
        .where(OutboxMail.status.in_((PENDING, FAILED)), OutboxMail.last_error.is_not(None))
        .order_by(OutboxMail.id.desc())
        .limit(limit)
    ).all()
    return [RecentFailure(id_, kind, attempts, created, (error or "")[:300])
            for id_, kind, attempts, created, error in rows]

"""``flask worker``, ``flask outbox ...`` and ``flask jobs tick`` commands."""

from __future__ import annotations

import logging
import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app import jobs
from app.extensions import db
from app.outbox.services import sweep_outbox

outbox_cli = AppGroup("outbox", help="Inspect and sweep outgoing mail.")


@outbox_cli.command("sweep")
def sweep() -> None:
    """Hand unsent mail to the queue (or send it inline without Redis)."""
    click.echo(f"{sweep_outbox()} mail handed on")


jobs_cli = AppGroup("jobs", help="Background work without a worker.")


@jobs_cli.command("tick")
def tick() -> None:
    """One maintenance tick by hand (what the worker, or embedded mode's ticker, runs every
    ``OUTBOX_SWEEP_SECONDS``): sweep unsent mail, then every area's task, such as reminders."""
    jobs.tick()
    click.echo("tick done")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Drain the queues, then exit.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker on Fairway's queues (mail first)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if jobs.redis_connection(app) is None:
        raise click.UsageError("The worker needs REDIS_URL; without it jobs run inline.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = db.engine
    # A forked work horse must not share the parent's database connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    swept = sweep_outbox()
    if swept:
        click.echo(f"{swept} unsent mail put back on the queue")
    jobs.make_worker(app).work(burst=burst, with_scheduler=True)

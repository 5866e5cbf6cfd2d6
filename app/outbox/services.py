"""Queueing, sending and sweeping mail. Sending is idempotent per outbox row."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, render_template
from flask_mail import Message
from sqlalchemy.engine import CursorResult

from app import jobs
from app.clock import utcnow
from app.extensions import db, mail
from app.outbox.models import FAILED, PENDING, SENT, OutboxMail
from app.privacy import hash_identifier

log = logging.getLogger(__name__)

DELIVER = "app.outbox.services.deliver"
MARK_ENQUEUED = "app.outbox.services.mark_enqueued"
# A row not sent this long after it was last put on a queue is put on again.
STALE_AFTER = timedelta(minutes=10)
# Fresh rows are left to the after-commit path first.
GRACE = timedelta(seconds=15)


def queue_mail(kind: str, recipient: str, subject: str, template: str, **context: object) -> OutboxMail:
    """Write a mail to the outbox in the current transaction; it is sent after commit."""
    body = render_template(f"mail/{template}.txt", base_url=current_app.config["APP_BASE_URL"], **context)
    row = OutboxMail(kind=kind, recipient=recipient, subject=subject, body=body)
    db.session.add(row)
    db.session.flush()
    _schedule(row.id)
    return row


def _schedule(outbox_id: int) -> None:
    jobs.enqueue(
        DELIVER, outbox_id, job_id=f"mail-{outbox_id}", queue="mail", on_enqueued=MARK_ENQUEUED
    )


def mark_enqueued(outbox_id: int) -> None:
    """Record that a row is on the queue, so the sweep leaves it alone for a while."""
    db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == outbox_id, OutboxMail.status == PENDING)
        .values(enqueued_at=utcnow())
    )
    db.session.commit()


def _send(row: OutboxMail) -> None:
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "mail %s to %s (no MAIL_SERVER, written here instead)\nSubject: %s\n\n%s",
            row.id, hash_identifier(row.recipient), row.subject, row.body,
        )
        return
    domain = current_app.config["APP_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    message = Message(
        subject=row.subject,
        recipients=[row.recipient],
        body=row.body,
    )
    # A stable id per outbox row, so a receiving server can drop a duplicate delivery.
    message.msgId = f"<outbox-{row.id}@{domain or 'fairway'}>"
    mail.send(message)


def deliver(outbox_id: int) -> str:
    """Send one outbox row unless it has been sent already; the row lock makes a duplicate
    job wait for the first and then find the row sent."""
    row = db.session.execute(
        sa.select(OutboxMail).where(OutboxMail.id == outbox_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status != PENDING:
        db.session.rollback()
        return "skipped"
    try:
        _send(row)
    except Exception as exc:
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
            row.status = FAILED
        db.session.commit()
        log.warning("mail %s attempt %s failed: %s", outbox_id, row.attempts, row.last_error)
        if row.status == FAILED:
            return FAILED
        raise
    row.status = SENT
    row.attempts += 1
    row.sent_at = utcnow()
    row.last_error = None
    db.session.commit()
    return SENT


def sweep_outbox(limit: int = 500, grace: timedelta = GRACE) -> int:
    """Put unsent mail back on the queue (or send it inline in embedded mode).

    Catches rows whose after-commit enqueue failed (Redis down) and rows whose job was lost
    (a worker killed mid-send). Returns how many rows were handed on.
    """
    now = utcnow()
    ids = db.session.scalars(
        sa.select(OutboxMail.id)
        .where(
            OutboxMail.status == PENDING,
            OutboxMail.created_at <= now - grace,
            sa.or_(OutboxMail.enqueued_at.is_(None), OutboxMail.enqueued_at < now - STALE_AFTER),
        )
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    handed = 0
    for outbox_id in ids:
        job = jobs.PendingJob(DELIVER, (outbox_id,), f"mail-{outbox_id}", "mail", MARK_ENQUEUED)
        if jobs.redis_connection(app) is None:
            try:
                jobs.run_job(DELIVER, outbox_id)
            except Exception:
                log.exception("inline delivery of mail %s failed", outbox_id)
                continue
        elif not jobs.push(app, job):
            break
        else:
            mark_enqueued(outbox_id)
        handed += 1
    return handed


def retry_mail(outbox_id: int) -> bool:
    """Give a failed mail another round of attempts (an admin action)."""
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == outbox_id, OutboxMail.status == FAILED)
        .values(status=PENDING, attempts=0, enqueued_at=None)
    )
    updated = cast(CursorResult[Any], result).rowcount
    if updated:
        _schedule(outbox_id)
    return bool(updated)

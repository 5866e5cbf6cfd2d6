"""Queueing, sending and sweeping mail.

A row is sent by whoever claims it: a short transaction sets ``claimed_until`` on a pending row
no one else holds, the SMTP exchange runs outside any transaction, and "sent" is committed in a
short transaction of its own as soon as the server has accepted the message (its 250 after
DATA), before QUIT. Two senders never hold a row at once. A sender killed between the server's
250 and that commit leaves its claim to run out, and the sweep hands the row on again: delivery
is at least once, with a window of one SMTP reply, and a duplicate carries the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_mail import Connection, Message
from jinja2 import TemplateNotFound
from redis.exceptions import RedisError
from rq.job import Job
from sqlalchemy.engine import CursorResult

from app import jobs
from app.clock import utcnow
from app.extensions import db
from app.outbox.models import FAILED, PENDING, SENT, OutboxMail
from app.privacy import hash_identifier

log = logging.getLogger(__name__)

DELIVER = "app.outbox.services.deliver"
MARK_ENQUEUED = "app.outbox.services.mark_enqueued"
# A row still pending this long after it was last put on a queue is put on again, whatever its
# job looks like (a job can sit as "started" for a while after its worker died).
STALE_AFTER = timedelta(minutes=10)
# Rows never put on a queue are left this long to the after-commit path first.
GRACE = timedelta(seconds=15)
#: Each step of an SMTP exchange (connect, each command, the message) waits at most this long.
SMTP_TIMEOUT = 20
#: How long a sender holds a row. Longer than a mail job may run (``jobs.MAIL_JOB_TIMEOUT``,
#: after which RQ kills its work horse) and than an SMTP exchange whose every step times out,
#: so a claim runs out only when its sender is gone.
CLAIM = timedelta(minutes=3)
#: RQ job states in which the job will still run (or is running): its row needs no sweep.
_LIVE_JOB_STATES = {b"queued", b"started", b"scheduled", b"deferred"}

_COMPOSERS: dict[str, Callable[[str], None]] = {}


def composes(kind: str) -> Callable[[Callable[[str], None]], Callable[[str], None]]:
    """Register the function that decides, at delivery, what a ``kind`` request row becomes.

    It gets the row's recipient and queues whatever mail it decides on (or none) in the
    current transaction; the request row is deleted in that same transaction."""

    def register(compose: Callable[[str], None]) -> Callable[[str], None]:
        _COMPOSERS[kind] = compose
        return compose

    return register


def queue_mail(kind: str, recipient: str, subject: str, template: str, *, unsubscribe_url: str | None = None,
               **context: object) -> OutboxMail:
    """Write a mail to the outbox in the current transaction; it is sent after commit. A
    notification mail names its one-click ``unsubscribe_url`` (sent as RFC 8058 headers).

    The body is rendered without the pages' context processors (navigation and the signed-in
    user): mail may be written by a job in the worker, where there is no request. When a
    ``mail/<template>.html`` exists it becomes the HTML part (autoescaped, as every ``.html``
    template is), sent beside the plain text."""
    env = current_app.jinja_env
    values = dict(context, base_url=current_app.config["APP_BASE_URL"], unsubscribe_url=unsubscribe_url,
                  subject=subject)
    body = env.get_template(f"mail/{template}.txt").render(**values)
    try:
        html_template = env.get_template(f"mail/{template}.html")
    except TemplateNotFound:
        html = None
    else:
        html = html_template.render(**values)
    return _add(OutboxMail(kind=kind, recipient=recipient, subject=subject, body=body, html=html,
                           unsubscribe_url=unsubscribe_url))


def queue_request(kind: str, recipient: str) -> OutboxMail:
    """Write "a ``kind`` mail was asked for ``recipient``" to the outbox; the job that handles
    it calls the function registered with :func:`composes`, which decides what to send.

    The same row, the same job: the request costs the same whatever the answer will be."""
    if kind not in _COMPOSERS:
        raise ValueError(f"no composer for outbox requests of kind {kind!r}")
    return _add(OutboxMail(kind=kind, recipient=recipient, subject="", body=""))


def _add(row: OutboxMail) -> OutboxMail:
    db.session.add(row)
    db.session.flush()
    _schedule(row.id)
    return row


def _schedule(outbox_id: int) -> None:
    jobs.enqueue(
        DELIVER, outbox_id, job_id=f"mail-{outbox_id}", queue="mail", on_enqueued=MARK_ENQUEUED
    )


def mark_enqueued(outbox_id: int) -> None:
    """Record that a row is on the queue, so the sweep asks its job before handing it on."""
    db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == outbox_id, OutboxMail.status == PENDING)
        .values(enqueued_at=utcnow())
    )
    db.session.commit()


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    recipient: str
    subject: str
    body: str
    unsubscribe_url: str | None = None
    html: str | None = None


def _claim(outbox_id: int) -> _Claimed | None:
    """Take a pending row no live sender holds, in a transaction of its own; None if there is
    none. The conditional update is the claim: of two senders, one updates the row."""
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboxMail)
        .where(
            OutboxMail.id == outbox_id,
            OutboxMail.status == PENDING,
            sa.or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
        )
        .values(claimed_until=now + CLAIM)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        db.session.rollback()
        return None
    row = db.session.execute(
        sa.select(OutboxMail.kind, OutboxMail.recipient, OutboxMail.subject, OutboxMail.body,
                  OutboxMail.unsubscribe_url, OutboxMail.html)
        .where(OutboxMail.id == outbox_id)
    ).one()
    db.session.commit()
    return _Claimed(outbox_id, row.kind, row.recipient, row.subject, row.body, row.unsubscribe_url, row.html)


def _connect() -> Connection:
    """Flask-Mail's connection, opened with a timeout on every step (it sets none)."""
    state = current_app.extensions["mail"]
    connection = Connection(state)
    if state.suppress:
        return connection
    host: smtplib.SMTP
    if state.use_ssl:
        host = smtplib.SMTP_SSL(state.server, state.port, timeout=SMTP_TIMEOUT)
    else:
        host = smtplib.SMTP(state.server, state.port, timeout=SMTP_TIMEOUT)
    try:
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
    except BaseException:
        host.close()
        raise
    connection.host = host
    return connection


def _hang_up(connection: Connection | None) -> None:
    """QUIT, after "sent" is committed: the mail is the server's already, so a failure here is
    only logged."""
    if connection is None or connection.host is None:
        return
    try:
        connection.host.quit()
    except (smtplib.SMTPException, OSError) as exc:
        log.info("QUIT after a delivered mail failed: %s", exc)
        connection.host.close()


def _send(mail: _Claimed) -> Connection | None:
    """Hand the message to the SMTP server; returns once it has answered 250 to the message,
    with the connection still open (the caller commits, then hangs up)."""
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "mail %s to %s (no MAIL_SERVER, written here instead)\nSubject: %s\n\n%s",
            mail.id, hash_identifier(mail.recipient), mail.subject, mail.body,
        )
        return None
    domain = current_app.config["APP_BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    headers = {}
    if mail.unsubscribe_url:
        headers = {"List-Unsubscribe": f"<{mail.unsubscribe_url}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = Message(subject=mail.subject, recipients=[mail.recipient], body=mail.body, html=mail.html,
                      extra_headers=headers)
    # A stable id per outbox row, so a receiving server can drop a duplicate delivery.
    message.msgId = f"<outbox-{mail.id}@{domain or 'fairway'}>"
    connection = _connect()
    try:
        connection.send(message)
    except BaseException:
        if connection.host is not None:
            connection.host.close()
        raise
    return connection


def _compose(mail: _Claimed) -> None:
    """Let the request's composer queue its mail, and drop the request, in one transaction."""
    _COMPOSERS[mail.kind](mail.recipient)
    db.session.execute(sa.delete(OutboxMail).where(OutboxMail.id == mail.id))
    db.session.commit()


def _record_failure(outbox_id: int, exc: Exception) -> str:
    """Count a failed attempt and give the row back (or mark it failed after the last one)."""
    db.session.rollback()
    row = db.session.get(OutboxMail, outbox_id, with_for_update=True)
    if row is None:
        db.session.rollback()
        raise exc
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.claimed_until = None
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = FAILED
    status, attempts, error = row.status, row.attempts, row.last_error
    db.session.commit()
    log.warning("mail %s attempt %s failed: %s", outbox_id, attempts, error)
    if status == FAILED:
        return FAILED
    raise exc


def deliver(outbox_id: int) -> str:
    """Send one outbox row unless it is sent or another sender holds it (see the module's
    docstring for the order of claim, SMTP and commit); a request row is composed instead.
    Returns ``"sent"``, ``"composed"``, ``"failed"`` (the last attempt failed) or ``"skipped"``."""
    mail = _claim(outbox_id)
    if mail is None:
        return "skipped"
    try:
        if mail.kind in _COMPOSERS:
            _compose(mail)
            return "composed"
        connection = _send(mail)
    except Exception as exc:
        return _record_failure(outbox_id, exc)
    try:
        db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id == outbox_id)
            .values(status=SENT, attempts=OutboxMail.attempts + 1, sent_at=utcnow(),
                    last_error=None, claimed_until=None)
        )
        db.session.commit()
    finally:
        _hang_up(connection)
    return SENT


def _lost_jobs(outbox_ids: list[int]) -> set[int]:
    """Those of ``outbox_ids`` whose RQ job will not run: gone from Redis (flushed, or a Redis
    that died) or ended without sending. One round trip for all of them."""
    if not outbox_ids:
        return set()
    redis = jobs.redis_connection()
    assert redis is not None
    pipe = redis.pipeline(transaction=False)
    for outbox_id in outbox_ids:
        pipe.hget(Job.key_for(f"mail-{outbox_id}"), "status")
    states = pipe.execute()
    return {outbox_id for outbox_id, state in zip(outbox_ids, states, strict=True)
            if state not in _LIVE_JOB_STATES}


def sweep_outbox(limit: int = 500, grace: timedelta = GRACE) -> int:
    """Put unsent mail back on the queue (or send it inline in embedded mode).

    A pending row no live sender holds is handed on when it was never put on a queue (Redis
    down at commit; after ``grace``), when its sender's claim ran out (a worker killed mid-send),
    when its job is no longer in Redis or ended without sending it (Redis lost or flushed), or
    as a last resort ``STALE_AFTER`` after it was queued. Returns how many rows were handed on.
    """
    now = utcnow()
    candidates = db.session.execute(
        sa.select(OutboxMail.id, OutboxMail.enqueued_at, OutboxMail.claimed_until)
        .where(
            OutboxMail.status == PENDING,
            sa.or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now),
            sa.or_(OutboxMail.enqueued_at.is_not(None), OutboxMail.created_at <= now - grace),
        )
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    embedded = jobs.redis_connection(app) is None
    due = {
        row.id for row in candidates
        if embedded or row.enqueued_at is None or row.claimed_until is not None
        or row.enqueued_at < now - STALE_AFTER
    }
    try:
        due |= _lost_jobs([row.id for row in candidates if row.id not in due])
    except RedisError as exc:  # nothing can be queued now; the next sweep tries again
        log.warning("outbox sweep could not reach Redis: %s", exc)
        return 0
    handed = 0
    for outbox_id in sorted(due):
        if embedded:
            try:
                jobs.run_job(DELIVER, outbox_id)
            except Exception:
                log.exception("inline delivery of mail %s failed", outbox_id)
                continue
        elif not jobs.push(app, jobs.PendingJob(DELIVER, (outbox_id,), f"mail-{outbox_id}", "mail",
                                                MARK_ENQUEUED)):
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
        .values(status=PENDING, attempts=0, enqueued_at=None, claimed_until=None)
    )
    updated = cast(CursorResult[Any], result).rowcount
    if updated:
        _schedule(outbox_id)
    return bool(updated)

"""Admin behaviour as plain functions: the audit log, user search and actions, the record of
sign-ins, the mail outbox and the job queues. Services add and flush; the request commits.

Every action here sends ``admin_action``; :func:`record_admin_action` listens to it and writes
the audit row in the same transaction, so an action and its record commit or vanish together.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app

from app import jobs
from app.admin.chart import BarChart, bar_chart
from app.admin.models import AuditEntry
from app.clock import utcnow
from app.core.pagination import Paginated
from app.core.search import contains
from app.core.signals import admin_action, this_app
from app.core.zones import in_zone, viewer_zone
from app.extensions import db
from app.identity import services as identity
from app.identity.models import OUTCOMES, LoginAttempt, User
from app.outbox import services as outbox
from app.outbox.models import FAILED, PENDING, SENT, OutboxMail
from app.privacy import hash_identifier
from app.referrals.stats import referral_counts, referrers_of

log = logging.getLogger(__name__)

T = TypeVar("T")
FAILURES = tuple(outcome for outcome in OUTCOMES if outcome != "success")
USER_TARGET = re.compile(r"user:(\d+)")


class AdminError(Exception):
    """The action does not apply (the message says why, for the admin)."""


class NotFound(LookupError):
    """No user or mail with that id."""


@dataclass
class Page(Paginated, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def _page_size() -> int:
    return int(current_app.config["ADMIN_PAGE_SIZE"])


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


# --- the audit log ---------------------------------------------------------------------------


def record_admin_action(
    sender: Flask, actor: User, action: str, target: str, detail: str = "", **_: Any
) -> None:
    """Write the audit row of an admin action (``admin_action`` listener), in the caller's transaction."""
    db.session.add(AuditEntry(
        actor_id=actor.id, actor_name=actor.username, action=action[:40], target=target[:60],
        detail=(detail or "")[:500],
    ))
    db.session.flush()


def _audit(actor: User, action: str, target: str, detail: str = "") -> None:
    admin_action.send(this_app(), actor=actor, action=action, target=target, detail=detail)


@dataclass
class AuditRow:
    entry: AuditEntry
    #: the username a ``user:<id>`` target names today, if it is one
    target_user: str | None


def audit_page(page: int = 1) -> Page[AuditRow]:
    """The audit log, newest first."""
    size = _page_size()
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    entries = list(db.session.scalars(query.offset((page - 1) * size).limit(size)))
    ids = {int(m.group(1)) for e in entries if (m := USER_TARGET.fullmatch(e.target))}
    names: dict[int, str] = {}
    if ids:
        found = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))
        names = dict(found.all())
    rows = []
    for entry in entries:
        match = USER_TARGET.fullmatch(entry.target)
        rows.append(AuditRow(entry, names.get(int(match.group(1))) if match else None))
    return Page(rows, _count(query), page, size)


# --- users -----------------------------------------------------------------------------------


@dataclass
class UserRow:
    user: User
    referred_by: str | None
    referrals: int


def search_users(q: str = "", page: int = 1) -> Page[UserRow]:
    """Accounts whose username or email contains ``q``, newest first, with who referred them
    and how many they referred (two batch queries per page, not two per row)."""
    size = _page_size()
    query = sa.select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        query = query.where(contains(q, User.username, User.email))
    users = list(db.session.scalars(query.offset((page - 1) * size).limit(size)))
    ids = [user.id for user in users]
    referrers, counts = referrers_of(ids), referral_counts(ids)
    rows = [UserRow(user, referrers.get(user.id), counts.get(user.id, 0)) for user in users]
    return Page(rows, _count(query), page, size)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """Retire the user's password, end their sessions and mail them a reset link (see
    ``identity.reset_by_admin``).
    Returns the user and the kind of mail sent (``"reset"`` or ``"verify"``)."""
    user = _user(user_id)
    try:
        sent = identity.reset_by_admin(user)
    except identity.AccountInactive as exc:
        raise AdminError(str(exc)) from None
    _audit(actor, "user.reset_password", f"user:{user.id}", f"mail={sent}")
    return user, sent


def deactivate_user(actor: User, user_id: int) -> User:
    """Switch the account off and end its sessions. Admins cannot switch themselves off: the
    console would lock out the one person using it."""
    user = _user(user_id)
    if user.id == actor.id:
        raise AdminError("You can't deactivate your own account.")
    was = user.status
    identity.deactivate(user)
    _audit(actor, "user.deactivate", f"user:{user.id}", f"was={was}")
    return user


def reactivate_user(actor: User, user_id: int) -> User:
    user = _user(user_id)
    was = user.status
    identity.reactivate(user)
    _audit(actor, "user.reactivate", f"user:{user.id}", f"was={was}")
    return user


# --- sign-ins --------------------------------------------------------------------------------


@dataclass
class LoginRow:
    attempt: LoginAttempt
    username: str | None


def login_attempts(user: str = "", outcome: str = "", page: int = 1) -> Page[LoginRow]:
    """Recorded sign-in attempts, newest first. ``user`` (a username or email) matches the
    account's attempts and any attempt typed with that login, even before the account existed."""
    size = _page_size()
    query = (
        sa.select(LoginAttempt, User.username)
        .outerjoin(User, User.id == LoginAttempt.user_id)
        .order_by(LoginAttempt.created_at.desc(), LoginAttempt.id.desc())
    )
    if user:
        matches: list[sa.ColumnElement[bool]] = [LoginAttempt.login_hash == hash_identifier(user)]
        account = identity.user_by_login(user)
        if account is not None:
            matches.append(LoginAttempt.user_id == account.id)
        query = query.where(sa.or_(*matches))
    if outcome:
        query = query.where(LoginAttempt.outcome == outcome)
    found = db.session.execute(query.offset((page - 1) * size).limit(size)).all()
    return Page([LoginRow(attempt, name) for attempt, name in found], _count(query), page, size)


def _hour_key(column: Any) -> Any:
    """``YYYY-MM-DD HH`` of a timestamp, in the database's own dialect."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", column)


def failures_by_hour(now: datetime | None = None) -> list[tuple[datetime, int]]:
    """Failed sign-ins in each of the last 24 hours (the current hour last), one grouped query."""
    now = now or utcnow()
    current = now.replace(minute=0, second=0, microsecond=0)
    hours = [current - timedelta(hours=back) for back in range(23, -1, -1)]
    key = _hour_key(LoginAttempt.created_at)
    counted = db.session.execute(
        sa.select(key, sa.func.count())
        .where(LoginAttempt.created_at >= hours[0], LoginAttempt.outcome.in_(FAILURES))
        .group_by(key)
    ).all()
    by_key = {str(k): int(n) for k, n in counted}
    return [(hour, by_key.get(hour.strftime("%Y-%m-%d %H"), 0)) for hour in hours]


def failure_chart(now: datetime | None = None) -> BarChart:
    """The last 24 hours of failed sign-ins, each hour labelled on the admin's clock."""
    zone = viewer_zone()
    hours = failures_by_hour(now)
    return bar_chart([(in_zone(hour, zone).strftime("%H:%M"), count) for hour, count in hours])


# --- mail and queues -------------------------------------------------------------------------


def outbox_counts() -> dict[str, int]:
    found = db.session.execute(
        sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)
    )
    counted = dict(found.all())
    return {status: int(counted.get(status, 0)) for status in (PENDING, FAILED, SENT)}


def outbox_page(status: str = "", page: int = 1) -> Page[OutboxMail]:
    """Outbox rows, newest first, optionally of one status."""
    size = _page_size()
    query = sa.select(OutboxMail).order_by(OutboxMail.id.desc())
    if status:
        query = query.where(OutboxMail.status == status)
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size)))
    return Page(rows, _count(query), page, size)


def retry_mail(actor: User, mail_id: int) -> OutboxMail:
    """Give a failed mail a new round of attempts; it leaves after commit like any other."""
    row = db.session.get(OutboxMail, mail_id)
    if row is None:
        raise NotFound(mail_id)
    if not outbox.retry_mail(mail_id):
        raise AdminError("Only failed mail can be retried; this one is not failed.")
    _audit(actor, "mail.retry", f"mail:{mail_id}", f"kind={row.kind}")
    return row


@dataclass
class QueueInfo:
    name: str
    queued: int
    failed: int


@dataclass
class WorkerInfo:
    name: str
    state: str
    queues: list[str]


@dataclass
class QueueStatus:
    """What the RQ side holds: ``enabled`` is false in embedded mode (jobs run inline);
    ``error`` says why Redis could not be read."""

    enabled: bool
    queues: list[QueueInfo]
    workers: list[WorkerInfo]
    error: str | None = None


def queue_status() -> QueueStatus:
    connection = jobs.redis_connection()
    if connection is None:
        return QueueStatus(enabled=False, queues=[], workers=[])
    from rq import Worker

    try:
        queues = []
        for name in jobs.QUEUES:
            queue = jobs.queue(name)
            queues.append(QueueInfo(name, queue.count, queue.failed_job_registry.count))
        workers = [
            WorkerInfo(worker.name, str(worker.get_state()), list(worker.queue_names()))
            for worker in Worker.all(connection=connection)
        ]
    except Exception as exc:  # Redis away: the page still shows the outbox, which is in the database.
        log.warning("admin jobs page: Redis not readable: %s", exc)
        return QueueStatus(enabled=True, queues=[], workers=[], error=f"{type(exc).__name__}: {exc}")
    return QueueStatus(enabled=True, queues=queues, workers=workers)

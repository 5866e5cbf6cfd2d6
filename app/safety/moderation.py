"""The moderation queue: reports grouped by what they point at, with that content in context,
and an admin's resolution of a whole group at once (dismiss, warn, deactivate, freeze invites).

A resolution claims the group's open reports in one UPDATE; a second admin resolving the same
target finds nothing open and changes nothing, so a player is never warned twice for one case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.clock import utcnow
from app.core.pagination import Paginated
from app.core.signals import admin_action, this_app
from app.extensions import db
from app.identity.models import User
from app.safety.models import Report

ACTIONS = ("dismiss", "warn", "deactivate", "freeze_invites")
NOTE_MAX = 400
#: Messages shown on each side of a reported message.
AROUND = 2


class ModerationError(Exception):
    """The resolution asked for cannot be done; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


class ReportNotFound(LookupError):
    """No report with that id."""


@dataclass
class ContextMessage:
    id: int
    sender: str
    body: str
    created_at: datetime
    reported: bool


@dataclass
class ReportGroup:
    """Every report on one target (and, resolved, one resolution of it)."""

    kind: str
    target_id: int
    report_id: int
    count: int
    first_at: datetime
    resolved_at: datetime | None
    reported: User | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    #: a user: their profile; a tee time: the round; a message: None (see ``messages``)
    subject: Any = None
    messages: list[ContextMessage] = field(default_factory=list)


@dataclass
class QueuePage(Paginated):
    items: list[ReportGroup]
    total: int
    page: int
    per_page: int


def report_queue(resolved: bool = False, page: int = 1) -> QueuePage:
    """Open groups (most reported first, then oldest), or resolved ones (newest first); a
    fixed number of statements per page, whatever its size."""
    size = int(current_app.config["ADMIN_PAGE_SIZE"])
    keys: list[Any] = [Report.kind, Report.target_id]
    if resolved:
        keys.append(Report.resolved_at)
    grouped = (
        sa.select(*keys, sa.func.min(Report.id).label("report_id"), sa.func.count().label("n"),
                  sa.func.min(Report.created_at).label("first_at"))
        .where(Report.resolved_at.is_not(None) if resolved else Report.resolved_at.is_(None))
        .group_by(*keys)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(grouped.subquery())) or 0
    order = (
        [sa.desc(Report.resolved_at), sa.desc("report_id")] if resolved
        else [sa.desc("n"), sa.asc("first_at"), sa.asc("report_id")]
    )
    rows = db.session.execute(grouped.order_by(*order).offset((page - 1) * size).limit(size)).all()
    groups = [
        ReportGroup(row.kind, row.target_id, row.report_id, row.n, row.first_at,
                    row.resolved_at if resolved else None)
        for row in rows
    ]
    _fill(groups, resolved)
    return QueuePage(groups, total, page, size)


def _fill(groups: list[ReportGroup], resolved: bool) -> None:
    """Reasons, details, the reported player and the content, in one query each."""
    if not groups:
        return
    index = {(g.kind, g.target_id, g.resolved_at): g for g in groups}
    pairs = [sa.and_(Report.kind == g.kind, Report.target_id == g.target_id) for g in groups]
    query = sa.select(Report).where(sa.or_(*pairs)).order_by(Report.id)
    query = query.where(Report.resolved_at.is_not(None) if resolved else Report.resolved_at.is_(None))
    reported_ids: dict[tuple[str, int, datetime | None], int] = {}
    for report in db.session.scalars(query):
        group = index.get((report.kind, report.target_id, report.resolved_at if resolved else None))
        if group is None:
            continue
        group.reasons[report.reason] = group.reasons.get(report.reason, 0) + 1
        if report.details:
            group.details.append(report.details)
        reported_ids[(group.kind, group.target_id, group.resolved_at)] = report.reported_id
    found = db.session.scalars(sa.select(User).where(User.id.in_(set(reported_ids.values()))))
    users = {u.id: u for u in found}
    for key, user_id in reported_ids.items():
        index[key].reported = users.get(user_id)
    _profiles([g for g in groups if g.kind == "user"])
    _rounds([g for g in groups if g.kind == "teetime"])
    _messages([g for g in groups if g.kind == "message"])


def _profiles(groups: list[ReportGroup]) -> None:
    from app.profiles.models import Profile

    if groups:
        ids = {g.target_id for g in groups}
        found = db.session.scalars(sa.select(Profile).where(Profile.user_id.in_(ids)))
        profiles = {p.user_id: p for p in found}
        for group in groups:
            group.subject = profiles.get(group.target_id)


def _rounds(groups: list[ReportGroup]) -> None:
    from app.teetimes.models import TeeTime

    if groups:
        found = db.session.scalars(sa.select(TeeTime).where(TeeTime.id.in_({g.target_id for g in groups})))
        rounds = {t.id: t for t in found}
        for group in groups:
            group.subject = rounds.get(group.target_id)


def _messages(groups: list[ReportGroup]) -> None:
    """Each reported message with up to ``AROUND`` messages either side of it in its
    conversation: one query, numbering each conversation's messages and keeping the window."""
    from app.messaging.models import Message

    if not groups:
        return
    targets = {g.target_id for g in groups}
    conversations = sa.select(Message.conversation_id).where(Message.id.in_(targets))
    ranked = (
        sa.select(
            Message.id, Message.conversation_id, Message.sender_id, Message.body, Message.created_at,
            sa.func.row_number().over(partition_by=Message.conversation_id, order_by=Message.id).label("pos"),
        )
        .where(Message.conversation_id.in_(conversations))
        .subquery()
    )
    target = ranked.alias("target")
    rows = db.session.execute(
        sa.select(target.c.id.label("target_id"), ranked.c.id, ranked.c.body, ranked.c.created_at,
                  User.username)
        .join(ranked, sa.and_(
            ranked.c.conversation_id == target.c.conversation_id,
            ranked.c.pos.between(target.c.pos - AROUND, target.c.pos + AROUND),
        ))
        .join(User, User.id == ranked.c.sender_id)
        .where(target.c.id.in_(targets))
        .order_by(target.c.id, ranked.c.pos)
    ).all()
    windows: dict[int, list[ContextMessage]] = {}
    for row in rows:
        windows.setdefault(row.target_id, []).append(
            ContextMessage(row.id, row.username, row.body, row.created_at, row.id == row.target_id)
        )
    for group in groups:
        group.messages = windows.get(group.target_id, [])


@dataclass
class Resolution:
    report: Report
    #: how many open reports this resolution closed (0: it was already resolved)
    closed: int


def resolve(actor: User, report_id: int, action: str, note: str = "") -> Resolution:
    """Resolve every open report on the report's target with ``action``; the reported player
    is warned, deactivated or frozen, every reporter is told (no details), and the audit log
    records it. Already resolved: nothing happens (``closed`` is 0)."""
    from app.admin import services as admin
    from app.notifications import services as notifications
    from app.outbox.services import queue_mail
    from app.referrals import freeze

    if action not in ACTIONS:
        raise ModerationError("Choose dismiss, warn, deactivate or freeze_invites.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ModerationError(f"The note is at most {NOTE_MAX} characters.")
    report = db.session.get(Report, report_id)
    if report is None:
        raise ReportNotFound(report_id)
    if report.resolved_at is not None:
        return Resolution(report, 0)
    closed = db.session.execute(
        sa.update(Report)
        .where(Report.kind == report.kind, Report.target_id == report.target_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow())
        .returning(Report.reporter_id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not closed:  # another admin resolved it meanwhile
        return Resolution(report, 0)
    reported = db.session.get(User, report.reported_id)
    if reported is None:
        raise ReportNotFound(report_id)
    try:
        if action == "warn":
            notifications.notify(reported.id, "warning")
            queue_mail("moderation_warning", reported.email, "A warning from Fairway's moderators",
                       "moderation_warning", player=reported, note=note)
        elif action == "deactivate":
            admin.deactivate_user(actor, reported.id)
        elif action == "freeze_invites":
            freeze.freeze_invites(actor, reported.id, "user")
    except (admin.AdminError, freeze.FreezeRefused) as exc:
        raise ModerationError(str(exc), 409) from None
    for reporter_id in sorted(set(closed)):
        notifications.notify(reporter_id, "report_handled")
    admin_action.send(
        this_app(), actor=actor, action=f"report.{action}", target=f"user:{reported.id}",
        detail=f"{report.kind}:{report.target_id} reports={len(closed)} note={note}",
    )
    db.session.refresh(report)
    return Resolution(report, len(closed))

"""Blocks and mutes: one row per direction, the unique pair makes a repeat a no-op."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db


class Block(db.Model):  # type: ignore[name-defined,misc]
    """``blocker_id`` blocked ``blocked_id``: from then on neither reaches nor sees the other.

    The primary key (blocker, blocked) serves "did I block them"; the second index serves "did
    they block me", so the NOT EXISTS filters on list pages are two index probes a row."""

    __tablename__ = "blocks"
    __table_args__ = (
        sa.CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        sa.Index("ix_blocks_blocked_id_blocker_id", "blocked_id", "blocker_id"),
    )

    blocker_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Mute(db.Model):  # type: ignore[name-defined,misc]
    """``muter_id`` muted ``muted_id``: their activity leaves the muter's timeline and
    notifications; nothing changes for the muted player."""

    __tablename__ = "mutes"
    __table_args__ = (sa.CheckConstraint("muter_id <> muted_id", name="not_self"),)

    muter_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    muted_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


MESSAGES_FROM = ("everyone", "following", "nobody")
PROFILE_VISIBILITY = ("public", "members")


class PrivacySettings(db.Model):  # type: ignore[name-defined,misc]
    """A player's privacy choices; no row means the defaults (everyone may write, distance
    shown, profile public)."""

    __tablename__ = "privacy_settings"
    __table_args__ = (
        sa.CheckConstraint("messages_from IN ('everyone', 'following', 'nobody')", name="messages_from"),
        sa.CheckConstraint("profile_visibility IN ('public', 'members')", name="profile_visibility"),
    )

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    messages_from: so.Mapped[str] = so.mapped_column(sa.String(10), default="everyone")
    show_distance: so.Mapped[bool] = so.mapped_column(default=True)
    profile_visibility: so.Mapped[str] = so.mapped_column(sa.String(10), default="public")


REPORT_KINDS = ("user", "message", "teetime")
REPORT_REASONS = ("spam", "harassment", "fake", "other")
DETAILS_MAX = 1000


class Report(db.Model):  # type: ignore[name-defined,misc]
    """A player's report of a player, a message or a round. ``target_id`` is the row's id in
    the table ``kind`` names; ``reported_id`` is the player it is about. The unique
    (reporter, kind, target) makes a repeat a no-op."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("reporter_id", "kind", "target_id", name="uq_reports_reporter_id_kind_target_id"),
        sa.CheckConstraint("kind IN ('user', 'message', 'teetime')", name="kind"),
        sa.CheckConstraint("reason IN ('spam', 'harassment', 'fake', 'other')", name="reason"),
        sa.Index("ix_reports_resolved_at_kind_target_id", "resolved_at", "kind", "target_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reporter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reported_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    target_id: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.String(12))
    details: so.Mapped[str] = so.mapped_column(sa.String(DETAILS_MAX), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    resolved_at: so.Mapped[datetime | None]

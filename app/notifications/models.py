"""Notifications: one row per thing to tell a player, message notices grouped per conversation."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User

KINDS = (
    "follow", "fistbump", "message", "referral", "round_removed", "round_cancelled", "round_claimed",
    "round_freed", "round_reminder", "round_offer", "report_handled", "warning",
    "round_thread", "round_passed",
)


class Notification(db.Model):  # type: ignore[name-defined,misc]
    """``group_key`` collects repeats into one entry with a ``count`` (messages: one per
    conversation). At most one unread entry per group: a race between two first messages
    makes one entry, not two."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")", name="kind"),
        sa.CheckConstraint("count >= 1", name="count"),
        # The nav badge: unread entries of one user.
        sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        # The list: newest activity first.
        sa.Index("ix_notifications_user_id_updated_at", "user_id", "updated_at"),
        sa.Index(
            "uq_notifications_open_group",
            "user_id",
            "group_key",
            unique=True,
            sqlite_where=sa.text("read_at IS NULL AND group_key IS NOT NULL"),
            postgresql_where=sa.text("read_at IS NULL AND group_key IS NOT NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    group_key: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    count: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    read_at: so.Mapped[datetime | None]

    actor: so.Mapped[User | None] = so.relationship(foreign_keys=[actor_id])

    @property
    def unread(self) -> bool:
        return self.read_at is None


#: Mail about notifications, by kind: how each player wants it. No row: the default.
MAIL_KINDS = ("message", "follow", "fistbump", "teetime", "referral")
MAIL_MODES = ("instant", "daily", "off")
DEFAULT_MAIL_MODES = {"message": "instant", "follow": "daily", "fistbump": "daily", "teetime": "daily",
                      "referral": "daily"}


class MailPreference(db.Model):  # type: ignore[name-defined,misc]
    """A player's choice for one kind of notification mail (only choices that were made)."""

    __tablename__ = "mail_preferences"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", name="uq_mail_preferences_user_kind"),
        sa.CheckConstraint("kind IN ('message', 'follow', 'fistbump', 'teetime', 'referral')", name="kind"),
        sa.CheckConstraint("mode IN ('instant', 'daily', 'off')", name="mode"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    mode: so.Mapped[str] = so.mapped_column(sa.String(10))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class MessageMail(db.Model):  # type: ignore[name-defined,misc]
    """One row per player and conversation: when a message mail is due (``due_at``, None when
    none waits), when the last one went (``sent_at``) and the newest message it covered.

    The row is the guarantee of "at most one every 15 minutes": a mail is sent only by the
    conditional update that finds ``due_at`` as its caller read it and ``sent_at`` old enough,
    so of any number of workers one sends."""

    __tablename__ = "message_mails"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "conversation_id", name="uq_message_mails_user_conversation"),
        sa.Index("ix_message_mails_due_at", "due_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    due_at: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    last_message_id: so.Mapped[int] = so.mapped_column(default=0)


class MailDigest(db.Model):  # type: ignore[name-defined,misc]
    """A daily digest sent (or being sent) to a player for one day of their own calendar: the
    unique (user_id, day) is claimed before the mail is queued, so a day has one digest."""

    __tablename__ = "mail_digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "day", name="uq_mail_digests_user_day"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: so.Mapped[date] = so.mapped_column(sa.Date)
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

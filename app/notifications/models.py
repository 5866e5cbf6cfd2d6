"""Notifications: one row per thing to tell a player, message notices grouped per conversation."""

from __future__ import annotations

from datetime import datetime

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

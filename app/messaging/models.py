"""Conversations between two players and their messages.

A conversation row carries what the inbox shows (the last message's id, sender, preview and
time, and each side's unread count), so the inbox is one indexed read of conversation rows
whatever the size of the history.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db

BODY_MAX = 2000
PREVIEW_MAX = 140


class Conversation(db.Model):  # type: ignore[name-defined,misc]
    """The pair (low_id < high_id) is unique: two racing first messages make one conversation."""

    __tablename__ = "conversations"
    __table_args__ = (
        sa.UniqueConstraint("low_id", "high_id", name="uq_conversations_low_id_high_id"),
        sa.CheckConstraint("low_id < high_id", name="ordered_pair"),
        sa.CheckConstraint("low_unread >= 0 AND high_unread >= 0", name="unread"),
        # The inbox of either side, newest activity first.
        sa.Index("ix_conversations_low_id_last_at", "low_id", "last_at"),
        sa.Index("ix_conversations_high_id_last_at", "high_id", "last_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    low_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    high_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_message_id: so.Mapped[int | None]
    last_sender_id: so.Mapped[int | None]
    last_preview: so.Mapped[str] = so.mapped_column(sa.String(PREVIEW_MAX), default="")
    last_at: so.Mapped[datetime | None]
    low_unread: so.Mapped[int] = so.mapped_column(default=0)
    high_unread: so.Mapped[int] = so.mapped_column(default=0)

    def other_id(self, user_id: int) -> int:
        return self.high_id if user_id == self.low_id else self.low_id

    def unread_for(self, user_id: int) -> int:
        return self.low_unread if user_id == self.low_id else self.high_unread


class Message(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "messages"
    __table_args__ = (
        sa.CheckConstraint("length(body) BETWEEN 1 AND 2000", name="body_length"),
        # A conversation's page: newest first, older pages by ``id < before``.
        sa.Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    conversation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    sender_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    body: so.Mapped[str] = so.mapped_column(sa.String(BODY_MAX))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

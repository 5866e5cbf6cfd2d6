"""Mail waiting to leave: one row per message, written in the transaction that causes it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxMail(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "outbox_mail"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        sa.Index("ix_outbox_mail_status_created", "status", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    recipient: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    #: the HTML part, sent beside the plain-text ``body`` (None: plain text only)
    html: so.Mapped[str | None] = so.mapped_column(sa.Text)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default=PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    enqueued_at: so.Mapped[datetime | None]
    #: Set while a sender holds the row (see ``services.deliver``); a claim that has run out
    #: belongs to a sender that died.
    claimed_until: so.Mapped[datetime | None]
    sent_at: so.Mapped[datetime | None]
    #: a notification mail's one-click unsubscribe address (RFC 8058 headers), or None
    unsubscribe_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} {self.kind} {self.status}>"

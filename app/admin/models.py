"""The audit log: one row per admin action (who, what, whom, when)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_log"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The actor's username when they acted: the log keeps reading the same after a rename.
    actor_name: so.Mapped[str] = so.mapped_column(sa.String(30))
    action: so.Mapped[str] = so.mapped_column(sa.String(40))
    target: so.Mapped[str] = so.mapped_column(sa.String(60))
    detail: so.Mapped[str] = so.mapped_column(sa.String(500), default="")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.actor_name} {self.action} {self.target}>"

"""Who follows whom, and fist bumps given from one player to another."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db


class Follow(db.Model):  # type: ignore[name-defined,misc]
    """The edge follower → followed. The unique pair makes a repeat follow (or a race) a no-op."""

    __tablename__ = "follows"
    __table_args__ = (
        sa.UniqueConstraint("follower_id", "followed_id", name="uq_follows_follower_followed"),
        sa.CheckConstraint("follower_id <> followed_id", name="not_self"),
        sa.Index("ix_follows_followed_id_id", "followed_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    follower_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    followed_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class FistBump(db.Model):  # type: ignore[name-defined,misc]
    """One row per direction bumper → bumped: how many bumps, and when the last one was given.

    The 12-hour rule is a conditional UPDATE on ``last_bumped_at``, so two racing bumps cannot
    both pass it.
    """

    __tablename__ = "fist_bumps"
    __table_args__ = (
        sa.CheckConstraint("bumper_id <> bumped_id", name="not_self"),
        sa.CheckConstraint("total >= 1", name="total"),
    )

    bumper_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    bumped_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    total: so.Mapped[int] = so.mapped_column(default=1)
    last_bumped_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

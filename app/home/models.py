"""What a player did with each onboarding card: finished it or skipped it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db

#: the onboarding cards, in the order a new player sees them
STEPS = ("about", "traits", "location", "avatar")
OUTCOMES = ("done", "skipped")


class OnboardingStep(db.Model):  # type: ignore[name-defined,misc]
    """One row per (player, card) once the card is saved or skipped; no row means still to do."""

    __tablename__ = "onboarding_steps"
    __table_args__ = (
        sa.CheckConstraint("step IN ('about', 'traits', 'location', 'avatar')", name="step"),
        sa.CheckConstraint("outcome IN ('done', 'skipped')", name="outcome"),
    )

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    step: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(10))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

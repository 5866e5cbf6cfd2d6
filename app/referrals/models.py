"""Referral codes, clicks, the referral edge, invites, redemptions, points and the waitlist."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User


class ReferralCode(db.Model):  # type: ignore[name-defined,misc]
    """A user's personal code. The newest (``retired_at`` empty) is shown; rotated-out codes
    stay as aliases that keep resolving to the same user."""

    __tablename__ = "referral_codes"
    __table_args__ = (
        # One current code per user: a second concurrent mint fails here instead of doubling up.
        sa.Index(
            "uq_referral_codes_current_user",
            "user_id",
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Empty only between the insert that gives the row its id and the update that encodes it.
    code: so.Mapped[str | None] = so.mapped_column(sa.String(32), unique=True)
    nonce: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    retired_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()


class ReferralClick(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "referral_clicks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("referral_codes.id", ondelete="CASCADE"), index=True
    )
    ip_hash: so.Mapped[str] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Referral(db.Model):  # type: ignore[name-defined,misc]
    """The edge referrer → invitee: the invitee's permanent ``referred_by`` (one per invitee)."""

    __tablename__ = "referrals"
    __table_args__ = (sa.CheckConstraint("referrer_id <> invitee_id", name="not_self"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    referrer_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    invitee_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    code_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("referral_codes.id", ondelete="SET NULL")
    )
    # True when this referral let the invitee in (invite-only mode, no admin invite): it spends
    # one of the referrer's member invites.
    admitted: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    referrer: so.Mapped[User] = so.relationship(foreign_keys=[referrer_id])
    invitee: so.Mapped[User] = so.relationship(foreign_keys=[invitee_id])


class Invite(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "invites"
    __table_args__ = (
        sa.CheckConstraint("uses_left >= 0", name="uses_left"),
        sa.CheckConstraint("uses_left <= uses", name="uses_bounded"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    uses: so.Mapped[int]
    uses_left: so.Mapped[int]
    expires_at: so.Mapped[datetime | None]
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    note: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    revoked_at: so.Mapped[datetime | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.uses_left <= 0:
            return "used up"
        return "active"


class InviteRedemption(db.Model):  # type: ignore[name-defined,misc]
    """One account made with one invite; an address redeems at most one invite."""

    __tablename__ = "invite_redemptions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    invite_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("invites.id", ondelete="CASCADE"), index=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    invite: so.Mapped[Invite] = so.relationship()


class PointsEntry(db.Model):  # type: ignore[name-defined,misc]
    """Points earned; (user, event, source) is unique so a repeated event never pays twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "event", "source", name="uq_points_ledger_user_event_source"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    event: so.Mapped[str] = so.mapped_column(sa.String(40))
    source: so.Mapped[str] = so.mapped_column(sa.String(64))
    points: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class WaitlistEntry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "waitlist"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    invited_at: so.Mapped[datetime | None]
    invite_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("invites.id", ondelete="SET NULL")
    )

    invite: so.Mapped[Invite | None] = so.relationship()


class InviteFreeze(db.Model):  # type: ignore[name-defined,misc]
    """A player whose invites an admin froze: their link admits no one in invite-only mode and
    their referrals earn no points until an admin unfreezes them."""

    __tablename__ = "invite_freezes"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    frozen_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class ReferralSignal(db.Model):  # type: ignore[name-defined,misc]
    """What a referral's sign-up looked like (keyed hashes of its network and browser, never the
    raw address) and, when signals clustered, why it is held and what an admin decided."""

    __tablename__ = "referral_signals"
    __table_args__ = (sa.Index("ix_referral_signals_referrer_created", "referrer_id", "created_at"),)

    referral_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    referrer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    network_hash: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    device_hash: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    held_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    held_count: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    decision: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    referral: so.Mapped[Referral] = so.relationship()

"""Member invites: in invite-only mode a member's referral link admits at most
``MEMBER_INVITES_PER_MONTH`` sign-ups in any 30 days, and none until the account is verified and
``MEMBER_INVITE_MIN_AGE_DAYS`` old. The count is taken under a row lock on the member inside the
sign-up's transaction, so concurrent sign-ups through one link never exceed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.referrals.invites import CodeRefused
from app.referrals.models import InviteFreeze, Referral

WINDOW = timedelta(days=30)


class MemberInvitesRefused(CodeRefused):
    """The referral code is good, but its owner may not admit anyone now."""


@dataclass
class Allowance:
    """What a member's link may still admit: ``left`` of ``quota`` now; ``next_back`` is when
    the oldest admission in the window stops counting, ``ready_at`` when a new account starts
    admitting (None once it may)."""

    quota: int
    used: int
    verified: bool
    ready_at: datetime | None
    next_back: datetime | None
    frozen: bool = False

    @property
    def left(self) -> int:
        return max(0, self.quota - self.used)

    @property
    def may_admit(self) -> bool:
        return not self.frozen and self.verified and self.ready_at is None and self.left > 0


def _admissions(owner_id: int, since: datetime) -> tuple[int, datetime | None]:
    used, oldest = db.session.execute(
        sa.select(sa.func.count(Referral.id), sa.func.min(Referral.created_at)).where(
            Referral.referrer_id == owner_id, Referral.admitted.is_(True), Referral.created_at > since
        )
    ).one()
    return int(used), oldest


def _allowance(owner_id: int, verified_at: datetime | None, created_at: datetime) -> Allowance:
    now = utcnow()
    used, oldest = _admissions(owner_id, now - WINDOW)
    ready = created_at + timedelta(days=current_app.config["MEMBER_INVITE_MIN_AGE_DAYS"])
    return Allowance(
        quota=current_app.config["MEMBER_INVITES_PER_MONTH"], used=used,
        verified=verified_at is not None, ready_at=ready if ready > now else None,
        next_back=oldest + WINDOW if oldest is not None else None,
    )


def allowance(user: User) -> Allowance:
    """The member's invites as their referrals page shows them."""
    answer = _allowance(user.id, user.email_verified_at, user.created_at)
    answer.frozen = db.session.get(InviteFreeze, user.id) is not None
    return answer


def take_member_invite(owner_id: int) -> None:
    """Spend one of the owner's member invites for a sign-up in the current transaction, or raise
    ``MemberInvitesRefused``. The owner's row is locked first (PostgreSQL; SQLite has one writer
    anyway) and the count read after it, so parallel sign-ups see each other's admissions.
    The caller then records the referral as ``admitted`` in the same transaction."""
    row = db.session.execute(
        sa.select(User.email_verified_at, User.created_at).where(User.id == owner_id).with_for_update()
    ).one()
    if db.session.get(InviteFreeze, owner_id) is not None:
        raise MemberInvitesRefused("The member who shared this code can't invite anyone right now.")
    answer = _allowance(owner_id, row.email_verified_at, row.created_at)
    if not answer.verified or answer.ready_at is not None:
        raise MemberInvitesRefused("The member who shared this code can't invite anyone yet.")
    if answer.left <= 0:
        raise MemberInvitesRefused("The member who shared this code has no invites left this month.")

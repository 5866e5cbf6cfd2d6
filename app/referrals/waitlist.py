"""The waitlist of invite-only mode: addresses wait, an admin sends one an invite by mail."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.signals import admin_action, this_app
from app.extensions import db
from app.identity.models import User
from app.identity.services import normalize_email
from app.outbox.services import queue_mail
from app.privacy import hash_identifier
from app.referrals.invites import InviteNotFound, mint_invites
from app.referrals.links import referral_url
from app.referrals.models import Invite, WaitlistEntry


def join_waitlist(email: str) -> WaitlistEntry:
    """Put an address on the waitlist and mail it its place in line; joining twice is the same
    as once (no second mail)."""
    address = normalize_email(email)
    entry = WaitlistEntry(email=address)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(sa.select(WaitlistEntry).where(WaitlistEntry.email == address))
        assert existing is not None
        return existing
    queue_mail(
        "waitlist_joined", address, "You're on the Fairway waitlist", "waitlist_joined",
        place=place_in_line(entry), url=f"{current_app.config['APP_BASE_URL']}/waitlist",
    )
    return entry


def place_in_line(entry: WaitlistEntry) -> int | None:
    """The entry's place among addresses not yet invited (1 is next), None once invited."""
    if entry.invited_at is not None:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count(WaitlistEntry.id)).where(
            WaitlistEntry.invited_at.is_(None),
            sa.or_(
                WaitlistEntry.created_at < entry.created_at,
                sa.and_(WaitlistEntry.created_at == entry.created_at, WaitlistEntry.id < entry.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def entry_by_id(entry_id: int | None) -> WaitlistEntry | None:
    return db.session.get(WaitlistEntry, entry_id) if entry_id else None


def waitlist(limit: int = 500) -> list[WaitlistEntry]:
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry).order_by(WaitlistEntry.created_at, WaitlistEntry.id).limit(limit)
        )
    )


def invite_from_waitlist(actor: User, entry_id: int) -> Invite:
    """Mint a one-use invite bound to the waitlisted address and mail its link."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None:
        raise InviteNotFound(entry_id)
    return _invite_entry(actor, entry)


def invite_next(actor: User, count: int) -> list[Invite]:
    """Invite the first ``count`` addresses still waiting, in order of joining. The rows are
    locked (PostgreSQL; others' locked rows skipped), so two admins at once never invite one
    address twice."""
    entries = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.invited_at.is_(None))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .limit(count)
        .with_for_update(skip_locked=True)
    ).all()
    return [_invite_entry(actor, entry) for entry in entries]


def _invite_entry(actor: User, entry: WaitlistEntry) -> Invite:
    days = current_app.config["WAITLIST_INVITE_DAYS"]
    (invite,) = mint_invites(
        uses=1, expires_on=(utcnow() + timedelta(days=days)).date(), email=entry.email,
        note="waitlist", created_by=actor,
    )
    entry.invite_id, entry.invited_at = invite.id, utcnow()
    db.session.flush()
    queue_mail(
        "waitlist_invite", entry.email, "Your invitation to Fairway", "waitlist_invite",
        url=referral_url(invite.code), days=days,
    )
    admin_action.send(
        this_app(), actor=actor, action="waitlist.invite", target=f"waitlist:{entry.id}",
        detail=f"invite:{invite.id} email={hash_identifier(entry.email)}",
    )
    return invite

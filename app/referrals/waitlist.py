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


def join_waitlist(email: str) -> None:
    """Put an address on the waitlist; joining twice is the same as once."""
    try:
        with db.session.begin_nested():
            db.session.add(WaitlistEntry(email=normalize_email(email)))
            db.session.flush()
    except IntegrityError:
        return


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

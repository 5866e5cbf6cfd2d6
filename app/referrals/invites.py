"""Invite codes: admins mint and revoke them; a sign-up takes one use in one conditional UPDATE,
so concurrent redemptions never exceed the uses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.signals import admin_action, this_app
from app.extensions import db
from app.identity.models import User
from app.identity.services import IdentityError, normalize_email
from app.privacy import hash_identifier
from app.referrals.codes import new_invite_code, normalize_code
from app.referrals.links import MAX_MINT_ATTEMPTS, CodeUnavailable
from app.referrals.models import Invite, InviteRedemption

log = logging.getLogger(__name__)
MINT_BATCH = 500


class CodeRefused(IdentityError):
    """A sign-up's invite or referral code is not good (shown on the ``invite_code`` field)."""

    field = "invite_code"


class InviteNotFound(LookupError):
    """No invite or waitlist entry with that id."""


def _refusal(code: str, email: str) -> CodeRefused:
    """A clear message for an invite the conditional update did not take."""
    invite = db.session.scalar(sa.select(Invite).where(Invite.code == code))
    if invite is None:
        return CodeRefused("That invite or referral code isn't valid.")
    status = invite.status(utcnow())
    if status == "revoked":
        return CodeRefused("That invite has been withdrawn.")
    if status == "expired":
        return CodeRefused("That invite has expired.")
    if status == "used up":
        return CodeRefused("That invite has been used up.")
    if invite.email is not None and invite.email != email:
        return CodeRefused("That invite was sent to a different email address.")
    return CodeRefused("That invite can't be used.")


def redeem_invite(code: str, user: User) -> Invite:
    """Take one use of the invite for ``user`` in the current transaction.

    One conditional UPDATE decides (uses left, not expired, not revoked, address matches if
    bound), so concurrent redemptions never exceed the uses; an address redeems one invite.
    """
    code = normalize_code(code)
    email = normalize_email(user.email)
    result = db.session.execute(
        sa.update(Invite)
        .where(
            Invite.code == code,
            Invite.uses_left > 0,
            Invite.revoked_at.is_(None),
            sa.or_(Invite.expires_at.is_(None), Invite.expires_at > utcnow()),
            sa.or_(Invite.email.is_(None), Invite.email == email),
        )
        .values(uses_left=Invite.uses_left - 1)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    )
    invite_id = result.scalar_one_or_none()
    if invite_id is None:
        raise _refusal(code, email)
    try:
        with db.session.begin_nested():
            db.session.add(InviteRedemption(invite_id=invite_id, user_id=user.id, email=email))
            db.session.flush()
    except IntegrityError:
        raise CodeRefused("This email address has already used an invite.") from None
    invite = db.session.get(Invite, invite_id)
    assert invite is not None
    db.session.refresh(invite)
    return invite


def expiry_of(day: date | None) -> datetime | None:
    """An invite that expires on ``day`` works until the end of that day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time()) if day is not None else None


def mint_invites(
    count: int = 1,
    uses: int = 1,
    expires_on: date | None = None,
    email: str | None = None,
    note: str = "",
    created_by: User | None = None,
) -> list[Invite]:
    """Create ``count`` invite codes, a batch per flush; a batch that hits a (near impossible)
    duplicate code is minted again with fresh codes."""
    bound = normalize_email(email) if email else None
    expires_at = expiry_of(expires_on)
    made: list[Invite] = []
    while len(made) < count:
        size = min(MINT_BATCH, count - len(made))
        for attempt in range(MAX_MINT_ATTEMPTS):
            codes = {new_invite_code() for _ in range(size)}
            batch = [
                Invite(
                    code=code, uses=uses, uses_left=uses, expires_at=expires_at, email=bound,
                    note=note, created_by_id=created_by.id if created_by else None,
                )
                for code in codes
            ]
            try:
                with db.session.begin_nested():
                    db.session.add_all(batch)
                    db.session.flush()
            except IntegrityError:
                log.warning("a batch of %s invite codes hit a taken code; minting it again", size)
                if attempt == MAX_MINT_ATTEMPTS - 1:
                    raise CodeUnavailable("could not mint unique invite codes") from None
                continue
            made.extend(sorted(batch, key=lambda invite: invite.id))
            break
    return made


def create_invites(actor: User, **options: Any) -> list[Invite]:
    """An admin's ``mint_invites``, reported to the audit log (no raw codes or addresses)."""
    invites = mint_invites(created_by=actor, **options)
    ids = [invite.id for invite in invites]
    email = options.get("email")
    detail = f"count={len(ids)} uses={options.get('uses', 1)} expires={options.get('expires_on') or '-'}"
    if email:
        detail += f" email={hash_identifier(email)}"
    target = f"invite:{ids[0]}" if len(ids) == 1 else f"invite:{ids[0]}-{ids[-1]}"
    admin_action.send(this_app(), actor=actor, action="invite.create", target=target, detail=detail)
    return invites


def revoke_invite(actor: User, invite_id: int) -> Invite:
    invite = db.session.get(Invite, invite_id)
    if invite is None:
        raise InviteNotFound(invite_id)
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        db.session.flush()
    admin_action.send(
        this_app(), actor=actor, action="invite.revoke", target=f"invite:{invite.id}",
        detail=f"uses_left={invite.uses_left}",
    )
    return invite


@dataclass
class InviteRow:
    invite: Invite
    used: int
    status: str


def recent_invites(limit: int = 200) -> list[InviteRow]:
    now = utcnow()
    invites = db.session.scalars(sa.select(Invite).order_by(Invite.id.desc()).limit(limit)).all()
    return [InviteRow(i, i.uses - i.uses_left, i.status(now)) for i in invites]

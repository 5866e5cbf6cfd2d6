"""Personal referral links: a player's code, minted on first use and rotated on request, and
what any spelling of a code names. A unique index on codes and on a user's current code settles
races.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.cache import SharedTTLCache, per_app
from app.core.signals import this_app
from app.extensions import db
from app.identity.models import User
from app.referrals import memory
from app.referrals.codes import decode_referral, encode_referral, looks_like_invite, new_nonce, normalize_code
from app.referrals.models import Invite, ReferralCode
from app.referrals.signals import code_minted

log = logging.getLogger(__name__)

#: How many times a code mint is tried before giving up (a collision is already near impossible).
MAX_MINT_ATTEMPTS = 5


class CodeUnavailable(RuntimeError):
    """Minting a code failed ``MAX_MINT_ATTEMPTS`` times in a row."""


def _current_row(user_id: int) -> ReferralCode | None:
    return db.session.scalar(
        sa.select(ReferralCode).where(
            ReferralCode.user_id == user_id, ReferralCode.retired_at.is_(None)
        )
    )


def assign_code(user: User) -> ReferralCode:
    """The user's current code, minted now if there is none. Idempotent and safe to race:
    the unique indexes pick one winner and the loser reads it on the next round."""
    for attempt in range(MAX_MINT_ATTEMPTS):
        existing = _current_row(user.id)
        if existing is not None:
            return existing
        row = ReferralCode(user_id=user.id, nonce=new_nonce())
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
                row.code = encode_referral(row.id, row.nonce)
                db.session.flush()
        except IntegrityError:
            log.warning("referral code mint for user %s conflicted; retrying", user.id)
            continue
        code_minted.send(this_app(), retries=attempt)
        return row
    raise CodeUnavailable(f"no referral code for user {user.id} after {MAX_MINT_ATTEMPTS} tries")


def current_code(user: User) -> str:
    """The code to show the user (ensured on read for accounts older than referrals)."""
    code = assign_code(user).code
    assert code is not None
    return code


def rotate_code(user: User) -> str:
    """Retire the current code (it stays an alias) and mint a new one."""
    db.session.execute(
        sa.update(ReferralCode)
        .where(ReferralCode.user_id == user.id, ReferralCode.retired_at.is_(None))
        .values(retired_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return current_code(user)


def referral_url(code: str) -> str:
    return f"{current_app.config['APP_BASE_URL']}/r/{code}"


def referral_link(user: User) -> str:
    """The absolute link ``user`` shares: their current code, minted if they have none yet."""
    return referral_url(current_code(user))


@dataclass
class Resolution:
    """What a code names. ``kind`` is None when it names nothing usable."""

    code: str
    kind: str | None = None
    referral: ReferralCode | None = None
    invite: Invite | None = None

    @property
    def valid(self) -> bool:
        return self.kind is not None

    @property
    def referrer(self) -> User | None:
        return self.referral.user if self.referral is not None else None


def referral_row(code: str) -> ReferralCode | None:
    decoded = decode_referral(code)
    if decoded is None:
        return None
    row_id, nonce = decoded
    # One round trip: the link's owner is needed anyway (active? who referred?).
    row = db.session.get(ReferralCode, row_id, options=[so.joinedload(ReferralCode.user)])
    if row is None or row.nonce != nonce or row.code != code or not row.user.is_active:
        return None
    return row


def _usable_invite(code: str) -> Invite | None:
    if not looks_like_invite(code):
        return None
    invite = db.session.scalar(sa.select(Invite).where(Invite.code == code))
    if invite is None or invite.status(utcnow()) != "active":
        return None
    return invite


@dataclass(frozen=True)
class LinkTarget:
    """Where a referral link leads: its code as normalized, and the live referral code's id
    (None when the code names no active player's link)."""

    code: str
    code_id: int | None


def _link_cache() -> SharedTTLCache[str, int]:
    return per_app("fairway.referral_links",
                   lambda app: SharedTTLCache(app.config["REFERRAL_LINK_CACHE_SECONDS"]))


def link_target(raw: str | None) -> LinkTarget:
    """Resolve a referral link for ``/r/<code>``, answering from this process's cache for up to
    ``REFERRAL_LINK_CACHE_SECONDS``: only live codes are kept, so a new or reactivated player's
    link works at once, and a deactivation clears this process's cache (other processes may
    count a deactivated player's clicks until it expires; sign-up checks the database)."""
    code = normalize_code(raw)
    cache = _link_cache()
    code_id = cache.get(code)
    if code_id is None:
        row = referral_row(code)
        if row is None:
            return LinkTarget(code, None)
        code_id = row.id
        cache.put(code, code_id)
    return LinkTarget(code, code_id)


def on_user_deactivated(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``user_deactivated`` listener: the player's links stop counting here at once."""
    if "referrals" in sender.blueprints:
        _link_cache().clear()


def on_user_logged_out(sender: Flask, user: User | None = None, **_: Any) -> None:
    """Flask-Login's ``user_logged_out``: signing out ends the browser's referral memory, as it
    ends its session."""
    memory.forget()


def resolve(raw: str | None) -> Resolution:
    """Resolve any spelling of a code to a live referral code (of an active user) or a
    usable invite."""
    code = normalize_code(raw)
    row = referral_row(code)
    if row is not None:
        return Resolution(code, "referral", referral=row)
    invite = _usable_invite(code)
    if invite is not None:
        return Resolution(code, "invite", invite=invite)
    return Resolution(code)


def remember_referrer(referrer: User) -> None:
    """Make ``referrer`` this browser's referral, unless it followed one already (first click
    wins): for links that are not referral links but bring people, like a tee time's."""
    memory.remember(current_code(referrer))

"""Sign-up attribution: the new account's code, who referred it (a unique invitee on the
referral edge) and the invite it used."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.core.signals import this_app
from app.extensions import db
from app.identity.models import User
from app.referrals import memory
from app.referrals.codes import looks_like_invite, normalize_code
from app.referrals.holds import screen_referral
from app.referrals.invites import CodeRefused, redeem_invite
from app.referrals.links import assign_code, referral_row
from app.referrals.models import Invite, Referral, ReferralCode
from app.referrals.quota import MemberInvitesRefused, take_member_invite
from app.referrals.signals import invitee_joined


class InviteRequired(CodeRefused):
    """Invite-only registration and no valid code."""


def record_referral(referrer_id: int, invitee: User, code_id: int | None, admitted: bool = False) -> bool:
    """Write the invitee's ``referred_by`` once (a later attempt changes nothing) and screen it
    for clustered sign-ups, which hold its points for review (``holds``)."""
    if referrer_id == invitee.id:
        return False
    referral = Referral(referrer_id=referrer_id, invitee_id=invitee.id, code_id=code_id, admitted=admitted)
    try:
        with db.session.begin_nested():
            db.session.add(referral)
            db.session.flush()
    except IntegrityError:
        return False
    screen_referral(referral.id, referrer_id, invitee)
    return True


def attribute_sign_up(user: User, typed_code: str | None, remembered: str = "") -> None:
    """Give a new account its code, its ``referred_by`` and its invite, or refuse it.

    The remembered referral (first click wins) decides ``referred_by``; a typed referral code
    counts when nothing is remembered. A typed code that is neither a referral nor a usable
    invite is refused; invite-only registration refuses an account without a valid code. In
    invite-only mode without an admin invite, the referral must also spend one of its owner's
    member invites (``quota``); the first of the remembered and the typed referral that can is
    the one that admits, and becomes ``referred_by``.
    """
    assign_code(user)
    typed = normalize_code(typed_code)
    invite: Invite | None = None
    typed_referral: ReferralCode | None = None
    if typed:
        typed_referral = referral_row(typed)
        if typed_referral is None:
            if not looks_like_invite(typed):
                raise CodeRefused("That invite or referral code isn't valid.")
            invite = redeem_invite(typed, user)
    first = referral_row(normalize_code(remembered)) if remembered else None
    invite_only = current_app.config["REGISTRATION_MODE"] == "invite_only"
    gated = invite_only and invite is None and not user.is_admin
    chosen = _admitting_referral([first, typed_referral]) if gated else first or typed_referral
    if chosen is not None and record_referral(chosen.user_id, user, chosen.id, admitted=gated):
        invitee_joined.send(this_app(), referrer_id=chosen.user_id, invitee=user)
    if gated and chosen is None:
        raise InviteRequired("Fairway is invite-only for now: enter an invite or referral code.")


def _admitting_referral(candidates: list[ReferralCode | None]) -> ReferralCode | None:
    """The first referral whose owner has a member invite left, which it spends; when there
    were referrals and none could admit, the last refusal is raised."""
    refusal: MemberInvitesRefused | None = None
    seen: set[int] = set()
    for row in candidates:
        if row is None or row.user_id in seen:
            continue
        seen.add(row.user_id)
        try:
            take_member_invite(row.user_id)
        except MemberInvitesRefused as exc:
            refusal = exc
            continue
        return row
    if refusal is not None:
        raise refusal
    return None


def admit_sign_up(user: User, typed_code: str | None) -> str | None:
    """The invite gate, which sign-up calls inside its transaction before anything reacts to
    the new account: it gives the account its code, its ``referred_by`` and its invite, and
    answers None, or why the account may not be made (a code that is not good, or invite-only
    mode and no code). Sign-up refuses with that answer and rolls back."""
    try:
        attribute_sign_up(user, typed_code, memory.remembered())
    except CodeRefused as refusal:
        return str(refusal)
    memory.forget()
    return None

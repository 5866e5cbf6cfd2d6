"""Invite a friend by mail: a player's referral link and note, sent through the outbox. The
answer is the same whether or not the address belongs to a member (a member gets no mail), so
the form does not tell who is on Fairway."""

from __future__ import annotations

from flask import current_app

from app.identity.models import User
from app.identity.services import normalize_email, user_by_email
from app.outbox.services import queue_mail
from app.referrals.links import referral_link
from app.referrals.points import VERIFIED_REFERRAL_POINTS


class InviteMailRefused(ValueError):
    """The sender may not mail invites (yet)."""


def invite_by_mail(sender: User, email: str, note: str = "") -> bool:
    """Queue the invite mail to ``email`` unless it is a member's address (theirs included);
    True when a mail was queued (the caller answers the same either way)."""
    if not sender.email_verified:
        raise InviteMailRefused("Confirm your email address before inviting friends by mail.")
    address = normalize_email(email)
    if user_by_email(address) is not None:
        return False
    name = _display_name(sender)
    queue_mail(
        "friend_invite", address, f"{name} invited you to Fairway", "friend_invite",
        name=name, note=note.strip(), url=referral_link(sender),
    )
    return True


def _display_name(user: User) -> str:
    if "profiles" in current_app.blueprints:
        from app.profiles.editing import profile_for

        return profile_for(user).display_name or user.username
    return user.username


__all__ = ["VERIFIED_REFERRAL_POINTS", "InviteMailRefused", "invite_by_mail"]

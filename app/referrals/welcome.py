""""Alice invited you": what the sign-up form shows for ``/register?code=``. Telling a valid code
from an invalid one is what the resolver does, so each lookup counts against the resolver's
per-address limit (``RATELIMIT_RESOLVE_IP``); over it, the form shows with neither card nor code."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from limits import parse_many

from app.extensions import limit_key, limiter
from app.identity.models import User
from app.referrals.codes import MAX_INPUT
from app.referrals.links import resolve

log = logging.getLogger(__name__)

#: The bucket ``/api/referral/resolve`` and the sign-up form's code lookups share.
RESOLVE_SCOPE = "referral-resolve"


@dataclass
class Welcome:
    """The code to prefill ("" for an unknown or dead code) and, for a referral, its owner and
    their profile (for the name and avatar; None without the profiles area)."""

    code: str = ""
    inviter: User | None = None
    profile: Any = None

    @property
    def name(self) -> str:
        if self.inviter is None:
            return ""
        return (getattr(self.profile, "display_name", "") or self.inviter.username)


def lookup_allowed() -> bool:
    """Count one code lookup against the resolver's per-address limit; False when over it (or
    when the limit store fails: the form then simply shows without a card)."""
    if not limiter.enabled:
        return True
    try:
        items = parse_many(current_app.config["RATELIMIT_RESOLVE_IP"])
        key = limit_key()
        return all([limiter.limiter.hit(item, key, RESOLVE_SCOPE) for item in items])
    except Exception:
        log.exception("counting a referral code lookup failed; showing the form without it")
        return False


def welcome_for(raw: str) -> Welcome:
    """What ``/register?code=raw`` shows: a live referral code prefilled with its owner's card,
    a usable invite code prefilled alone, anything else (or a lookup over the limit) nothing."""
    if not raw.strip() or not lookup_allowed():
        return Welcome()
    resolution = resolve(raw[:MAX_INPUT])
    if not resolution.valid:
        return Welcome()
    inviter = resolution.referrer
    if inviter is None:
        return Welcome(resolution.code)
    profile = None
    if "profiles" in current_app.blueprints:
        from app.profiles.editing import profile_for

        profile = profile_for(inviter)
    return Welcome(resolution.code, inviter, profile)

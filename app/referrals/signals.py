"""Referral events other areas listen to (notifications)."""

from blinker import Namespace

referral_signals = Namespace()

#: sent with ``referrer_id`` (int) and ``invitee`` (User) when an invitee's verified address
#: first earns their referrer points.
referral_verified = referral_signals.signal("referral-verified")

"""Referral events other areas listen to (notifications)."""

from blinker import Namespace

referral_signals = Namespace()

#: sent with ``referrer_id`` (int) and ``invitee`` (User) when an invitee's verified address
#: first earns their referrer points.
referral_verified = referral_signals.signal("referral-verified")
#: sent with ``referrer_id`` (int) and ``invitee`` (User) inside the sign-up transaction, once the
#: new account's ``referred_by`` is written (the following area makes the invitee follow them).
invitee_joined = referral_signals.signal("invitee-joined")
#: sent with ``retries`` (int: conflicts retried first) each time a referral code is minted.
code_minted = referral_signals.signal("code-minted")

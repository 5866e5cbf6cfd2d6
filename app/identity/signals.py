"""Lifecycle events other areas listen to (referrals, notifications, admin)."""

from blinker import Namespace

identity_signals = Namespace()

#: sent with ``user`` inside the sign-up transaction, before commit.
user_registered = identity_signals.signal("user-registered")
#: sent with ``user`` when an address is verified for the first time.
email_verified = identity_signals.signal("email-verified")
#: sent with ``user`` after a password change or reset.
password_changed = identity_signals.signal("password-changed")
#: sent with ``user`` when an account is deactivated.
user_deactivated = identity_signals.signal("user-deactivated")

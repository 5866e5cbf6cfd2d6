"""Signals every area may send."""

from blinker import Namespace

core_signals = Namespace()

#: sent by any admin action with ``actor`` (User), ``action`` (str, e.g. "invite.revoke"),
#: ``target`` (str, e.g. "invite:12"), ``detail`` (str); the admin area writes the audit log.
admin_action = core_signals.signal("admin-action")

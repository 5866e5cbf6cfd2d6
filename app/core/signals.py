"""Signals every area may send, and the sender they are sent with."""

from __future__ import annotations

from blinker import Namespace
from flask import Flask, current_app

core_signals = Namespace()

#: sent by any admin action with ``actor`` (User), ``action`` (str, e.g. "invite.revoke"),
#: ``target`` (str, e.g. "invite:12"), ``detail`` (str); the admin area writes the audit log.
admin_action = core_signals.signal("admin-action")


def this_app() -> Flask:
    """The app behind ``current_app``, which every signal is sent with: the proxy is not the app,
    and listeners compare ``sender.blueprints`` or connect for one app."""
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]

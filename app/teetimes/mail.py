"""Tee-time mail is notification mail: it goes only if the player has not turned tee-time mail
off, and carries the one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from app.identity.models import User
from app.notifications.preferences import mail_wanted
from app.outbox.services import queue_mail


def mail_player(player: User, kind: str, subject: str, **context: object) -> bool:
    """Queue the ``mail/<kind>`` mail (text, and HTML when ``mail/<kind>.html`` exists) for
    ``player`` unless they turned tee-time mail off. "daily" sends at once too: reminders, offers
    and a cancelled round can't wait for the next morning's digest."""
    unsubscribe = mail_wanted(player, "teetime")
    if unsubscribe is None:
        return False
    queue_mail(kind, player.email, subject, kind, unsubscribe_url=unsubscribe, player=player, **context)
    return True

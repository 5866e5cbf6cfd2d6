"""How each player wants notification mail (per kind: instant, daily or off), and the one-click
unsubscribe links (RFC 8058) every notification mail carries.

An unsubscribe token is signed with the app's secret for one player and one kind, so it turns
off that kind for that player only, without a login: a mail client's one-click POST has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.extensions import db
from app.identity.models import User
from app.notifications.models import DEFAULT_MAIL_MODES, MAIL_KINDS, MAIL_MODES, MailPreference

KIND_LABELS = {
    "message": "Messages", "follow": "New followers", "fistbump": "Fist bumps",
    "teetime": "Tee times (your rounds: changes, reminders, waitlist spots)", "referral": "Referrals",
}
MODE_LABELS = {"instant": "Right away", "daily": "Daily digest", "off": "Off"}
#: The daily digest's unsubscribe link names this instead of one kind: it turns off every kind
#: the player gets in the digest.
DIGEST = "digest"
DIGEST_LABEL = "the daily digest (every kind set to Daily digest)"


class BadPreferences(ValueError):
    """An unknown kind or mode was posted (the field's name is the message)."""


class BadUnsubscribeToken(ValueError):
    """The token is not one we signed."""


def mail_modes(user: User) -> dict[str, str]:
    """Every kind's mode for the player, defaults filled in."""
    chosen = {kind: mode for kind, mode in db.session.execute(
        sa.select(MailPreference.kind, MailPreference.mode).where(MailPreference.user_id == user.id)
    )}
    return {kind: chosen.get(kind, DEFAULT_MAIL_MODES[kind]) for kind in MAIL_KINDS}


def mail_mode(user: User, kind: str) -> str:
    return mail_modes(user)[kind]


def set_mail_mode(user: User, kind: str, mode: str) -> None:
    if kind not in MAIL_KINDS:
        raise BadPreferences(kind)
    if mode not in MAIL_MODES:
        raise BadPreferences(kind)
    db.session.execute(
        dialect_insert(MailPreference.__table__)
        .values(user_id=user.id, kind=kind, mode=mode, updated_at=utcnow())
        .on_conflict_do_update(index_elements=["user_id", "kind"],
                               set_={"mode": mode, "updated_at": utcnow()})
    )


def set_mail_modes(user: User, modes: dict[str, str]) -> None:
    """Save what the settings form posted; any unknown kind or mode refuses the whole lot."""
    for kind, mode in modes.items():
        if kind not in MAIL_KINDS or mode not in MAIL_MODES:
            raise BadPreferences(kind)
    for kind, mode in modes.items():
        set_mail_mode(user, kind, mode)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="fairway-unsubscribe")


def unsubscribe_url(user: User, kind: str) -> str:
    token = _serializer().dumps([user.id, kind])
    return f"{current_app.config['APP_BASE_URL']}/unsubscribe/{token}"


@dataclass
class Unsubscribe:
    user: User
    kind: str

    @property
    def label(self) -> str:
        return DIGEST_LABEL if self.kind == DIGEST else KIND_LABELS[self.kind]


def turn_off(target: Unsubscribe) -> None:
    """What a one-click unsubscribe does: its kind off, or for the digest's link every ``daily``
    kind off."""
    if target.kind != DIGEST:
        set_mail_mode(target.user, target.kind, "off")
        return
    for kind, mode in mail_modes(target.user).items():
        if mode == "daily":
            set_mail_mode(target.user, kind, "off")


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """The player and kind a token names; BadUnsubscribeToken for anything we did not sign (or
    for a player who is gone)."""
    try:
        user_id, kind = _serializer().loads(token[:300])
    except (BadSignature, TypeError, ValueError):
        raise BadUnsubscribeToken(token) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or (kind not in MAIL_KINDS and kind != DIGEST):
        raise BadUnsubscribeToken(token)
    return Unsubscribe(user, kind)


def mail_wanted(user: User, kind: str) -> str | None:
    """For an area about to mail ``user`` a notification of ``kind``: None if the player turned
    that kind off, else the unsubscribe address the mail must carry."""
    if mail_mode(user, kind) == "off":
        return None
    return unsubscribe_url(user, kind)

"""Notification mail: who may get it, and the mail that goes at once for a player whose
preference for the kind is ``instant``.

Every notification mail goes through :func:`mail_notice`: nothing for a deactivated account or
an unverified address, nothing when the player turned the kind off, and always the one-click
unsubscribe address (RFC 8058 headers, sent by the outbox) and an HTML part beside the text.
A muted or blocked actor never causes mail (``app.safety``'s ``silenced``), whatever the mode.
``daily`` kinds wait for the digest (``digest.py``); messages wait to see whether they are read
(``message_mail.py``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.identity.models import User
from app.notifications.preferences import DIGEST, DIGEST_LABEL, KIND_LABELS, mail_mode, unsubscribe_url
from app.notifications.services import listener
from app.outbox.services import queue_mail
from app.safety.services import silenced

#: Notification kinds the digest gathers, and the mail kind whose preference decides for each.
#: The other tee-time notices (reminders, offers, a cancelled round, a removal) are mailed by the
#: tee-times area when they happen: a digest the next morning would come too late for them.
DIGEST_KINDS = {
    "follow": "follow", "fistbump": "fistbump", "message": "message", "referral": "referral",
    "round_claimed": "teetime", "round_freed": "teetime",
}


def can_receive_mail(user: User) -> bool:
    """An active account with a verified address: the only kind notification mail goes to."""
    return user.is_active and user.email_verified


def mail_notice(user: User, kind: str, template: str, subject: str, **context: Any) -> bool:
    """Queue the ``mail/<template>`` notification mail (text and HTML) of mail ``kind`` (or the
    digest) for ``user``, with its unsubscribe address; False (nothing queued) when the player
    can't get mail or turned ``kind`` off."""
    if not can_receive_mail(user) or (kind != DIGEST and mail_mode(user, kind) == "off"):
        return False
    queue_mail(
        template, user.email, subject, template, unsubscribe_url=unsubscribe_url(user, kind),
        player=user, kind_label=DIGEST_LABEL if kind == DIGEST else KIND_LABELS[kind],
        settings_url=f"{current_app.config['APP_BASE_URL']}/settings/notifications", **context,
    )
    return True


def mail_at_once(user: User, actor: User | None, kind: str, template: str, subject: str,
                 **context: Any) -> bool:
    """:func:`mail_notice` for a player who wants ``kind`` mail ``instant``, unless they muted or
    blocked ``actor``."""
    if mail_mode(user, kind) != "instant":
        return False
    if actor is not None and silenced(user.id, actor.id):
        return False
    return mail_notice(user, kind, template, subject, actor=actor, **context)


def _base_url() -> str:
    return str(current_app.config["APP_BASE_URL"])


@listener("follow mail")
def on_followed(follower: User, followed: User, **_: Any) -> None:
    mail_at_once(followed, follower, "follow", "notice_follow", f"{follower.username} follows you on Fairway",
                 url=f"{_base_url()}/u/{follower.username}")


@listener("fist bump mail")
def on_fist_bumped(bumper: User, bumped: User, **_: Any) -> None:
    mail_at_once(bumped, bumper, "fistbump", "notice_fistbump", f"{bumper.username} gave you a fist bump",
                 url=f"{_base_url()}/u/{bumper.username}")


@listener("referral mail")
def on_referral_verified(referrer_id: int, invitee: User, **_: Any) -> None:
    from app.extensions import db

    referrer = db.session.get(User, referrer_id)
    if referrer is not None:
        mail_at_once(referrer, invitee, "referral", "notice_referral",
                     f"{invitee.username} joined Fairway with your link", url=f"{_base_url()}/referrals")


def _round_notice(tee_time: Any, host: User, player: User, template: str, subject: str) -> None:
    from app.teetimes.rounds import round_url, when_text  # tee times import this area at start-up

    mail_at_once(host, player, "teetime", template, subject, tee_time=tee_time, when=when_text(tee_time),
                 url=round_url(tee_time))


@listener("spot claimed mail")
def on_spot_claimed(tee_time: Any, host: User, player: User, **_: Any) -> None:
    if player.id != host.id:
        _round_notice(tee_time, host, player, "notice_round_claimed",
                      f"{player.username} claimed a spot in your round at {tee_time.course}")


@listener("spot freed mail")
def on_spot_freed(tee_time: Any, host: User, player: User, **_: Any) -> None:
    if player.id != host.id:
        _round_notice(tee_time, host, player, "notice_round_freed",
                      f"{player.username} gave up their spot in your round at {tee_time.course}")

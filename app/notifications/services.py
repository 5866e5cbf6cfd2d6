"""Notifications as plain functions, and the listeners that write them.

The listeners run inside the action's transaction but under a SAVEPOINT of their own: if
writing a notification fails, that savepoint is rolled back, the error is logged, and the
follow, message or fist bump still succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.notifications.models import Notification
from app.safety.services import quiet_for, silenced

log = logging.getLogger(__name__)

PER_PAGE = 30


class NotificationNotFound(LookupError):
    """No notification with that id for this user."""


# --- writing -------------------------------------------------------------------------------


def _join_open_group(user_id: int, group_key: str, actor_id: int | None) -> bool:
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.group_key == group_key,
            Notification.read_at.is_(None),
        )
        .values(count=Notification.count + 1, updated_at=utcnow(), actor_id=actor_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def notify(user_id: int, kind: str, actor_id: int | None = None, group_key: str | None = None) -> None:
    """Tell ``user_id`` about something; with a ``group_key``, an unread entry of the same group
    counts one more instead of a new entry appearing. Nothing is written when ``user_id``
    muted or blocked the actor (a muted player's message arrives without a notice)."""
    if actor_id is not None and silenced(user_id, actor_id):
        return
    if group_key is not None and _join_open_group(user_id, group_key, actor_id):
        return
    try:
        with db.session.begin_nested():
            db.session.add(Notification(user_id=user_id, kind=kind, actor_id=actor_id, group_key=group_key))
            db.session.flush()
    except IntegrityError:
        # A concurrent first notice of the same group won the insert; count this one in it.
        if group_key is None or not _join_open_group(user_id, group_key, actor_id):
            raise


def listener(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Wrap a signal receiver: only apps that run notifications react, and a failure is logged
    and rolled back to a savepoint instead of failing the action that sent the signal."""

    def decorator(write: Callable[..., None]) -> Callable[..., None]:
        @wraps(write)
        def receive(sender: Flask, **kwargs: Any) -> None:
            if "notifications" not in sender.blueprints:
                return
            try:
                with db.session.begin_nested():
                    write(**kwargs)
            except Exception:
                log.exception("writing the %s notification failed; the action goes on", name)

        return receive

    return decorator


def conversation_key(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


@listener("follow")
def on_followed(follower: User, followed: User, **_: Any) -> None:
    notify(followed.id, "follow", follower.id)


@listener("fist bump")
def on_fist_bumped(bumper: User, bumped: User, **_: Any) -> None:
    notify(bumped.id, "fistbump", bumper.id)


@listener("message")
def on_message_sent(message: Any, author: User, recipient: User, **_: Any) -> None:
    notify(recipient.id, "message", author.id, conversation_key(message.conversation_id))


@listener("conversation read")
def on_conversation_read(reader: User, conversation: Any, **_: Any) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == reader.id,
            Notification.group_key == conversation_key(conversation.id),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@listener("referral")
def on_referral_verified(referrer_id: int, invitee: User, **_: Any) -> None:
    notify(referrer_id, "referral", invitee.id)


def round_key(tee_time: Any) -> str:
    """Tee-time notices carry the round's code, so the list can link to ``/t/<code>``."""
    return f"teetime:{tee_time.code}"


@listener("round removal")
def on_player_removed(tee_time: Any, host: User, player: User, **_: Any) -> None:
    notify(player.id, "round_removed", host.id, round_key(tee_time))


@listener("round cancellation")
def on_round_cancelled(tee_time: Any, host: User, players: list[User], **_: Any) -> None:
    for player in players:
        notify(player.id, "round_cancelled", host.id, round_key(tee_time))


@listener("spot claimed")
def on_spot_claimed(tee_time: Any, host: User, player: User, **_: Any) -> None:
    """The host hears of each claim; claims on one round gather in one unread entry."""
    notify(host.id, "round_claimed", player.id, f"claimed:{tee_time.code}")


@listener("spot freed")
def on_spot_freed(tee_time: Any, host: User, player: User, **_: Any) -> None:
    notify(host.id, "round_freed", player.id, f"freed:{tee_time.code}")


@listener("round reminder")
def on_round_reminder(tee_time: Any, player: User, lead: str, **_: Any) -> None:
    notify(player.id, "round_reminder", tee_time.host_id, f"reminder{lead}:{tee_time.code}")


@listener("spot offered")
def on_spot_offered(tee_time: Any, player: User, **_: Any) -> None:
    notify(player.id, "round_offer", tee_time.host_id, f"offer:{tee_time.code}")


@listener("thread post")
def on_thread_posted(tee_time: Any, author: User, players: list[User], **_: Any) -> None:
    """Everyone else in the round hears of a post; a round's posts gather in one unread entry."""
    for player in players:
        notify(player.id, "round_thread", author.id, f"thread:{tee_time.code}")


@listener("offer passed")
def on_offer_passed(tee_time: Any, player: User, **_: Any) -> None:
    """The waitlisted player whose 2 hours passed, and the host, hear that the spot moved on."""
    notify(player.id, "round_passed", tee_time.host_id, f"passed:{tee_time.code}")
    notify(tee_time.host_id, "round_passed", player.id, f"passedhost:{tee_time.code}")


# --- reading -------------------------------------------------------------------------------


@dataclass
class NotificationPage:
    entries: list[Notification]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def notifications_page(user: User, page: int = 1, per_page: int = PER_PAGE) -> NotificationPage:
    """Newest activity first; message notices are already one entry per conversation."""
    rows = list(db.session.scalars(
        sa.select(Notification)
        .options(so.joinedload(Notification.actor))
        .where(Notification.user_id == user.id, quiet_for(user.id, Notification.actor_id))
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ))
    return NotificationPage(entries=rows[:per_page], page=page, has_next=len(rows) > per_page)


def unread_count_query(user: User) -> sa.Select[Any]:
    """The query behind the nav badge, for ``/api/badges`` to join with the other badges'."""
    return sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None),
        quiet_for(user.id, Notification.actor_id),
    )


def unread_count(user: User) -> int:
    """The nav badge: one count on the (user_id, read_at) index."""
    return int(db.session.scalar(unread_count_query(user)) or 0)


def ack(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (already read is fine); gives it back, read,
    for the page to redraw it in place."""
    owned = db.session.scalar(
        sa.select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if owned is None:
        raise NotificationNotFound(notification_id)
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(
        sa.select(Notification).options(so.joinedload(Notification.actor))
        .where(Notification.id == notification_id).execution_options(populate_existing=True)
    ).scalar_one()


def ack_all(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

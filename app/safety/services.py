"""Who may reach whom: the one place every area asks, and the SQL filters their lists use.

A block works both ways: neither player reaches the other (403 for actions), neither shows up
in the other's lists, and the blocked player gets 404 for the blocker's profile. A mute only
quiets the muted player's activity for the muter. Lists never filter in Python: they add
``visible_to`` (and ``unmuted_by``) to their own query, so a page's statement count stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits import parse
from sqlalchemy.exc import IntegrityError

from app.core.inserts import dialect_insert
from app.core.signals import this_app
from app.extensions import db, limiter
from app.identity.models import User
from app.safety.models import MESSAGES_FROM, PROFILE_VISIBILITY, Block, Mute, PrivacySettings
from app.safety.signals import blocked


class Unreachable(Exception):
    """A block stands between two players; the message is for the user (HTTP 403)."""

    status = 403


class FirstContactLimit(Exception):
    """Too many new conversations today with players who don't follow the sender (HTTP 429)."""

    status = 429


class SafetyError(Exception):
    """A rule refused the action (blocking yourself, say); the message is for the user."""


# --- the one decision ----------------------------------------------------------------------


def _block_between(one_id: int, other_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(Block.blocker_id == one_id, Block.blocked_id == other_id),
        sa.and_(Block.blocker_id == other_id, Block.blocked_id == one_id),
    )


def may_reach(actor: Any, target: User) -> bool:
    """Whether ``actor`` may reach ``target`` (follow, bump, message, invite, claim a round):
    no block either way. Anonymous visitors reach no one."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if actor.id == target.id:
        return True
    return db.session.scalar(sa.select(Block.blocker_id).where(_block_between(actor.id, target.id))) is None


def check_reach(actor: Any, target: User) -> None:
    """``may_reach`` for actions: raises ``Unreachable`` (403) when a block stands between."""
    if not may_reach(actor, target):
        raise Unreachable(f"You can't reach {target.username}.")


def hidden_from(viewer: Any, user: User) -> bool:
    """Whether ``user``'s pages answer 404 to ``viewer``: ``user`` blocked them. (The blocker
    still sees the blocked player's profile, to undo the block.)"""
    if not getattr(viewer, "is_authenticated", False) or viewer.id == user.id:
        return False
    return db.session.scalar(
        sa.select(Block.blocker_id).where(Block.blocker_id == user.id, Block.blocked_id == viewer.id)
    ) is not None


def visible_to(viewer_id: int | sa.BindParameter[int], user_id_column: Any) -> sa.ColumnElement[bool]:
    """A WHERE clause for lists: the player in ``user_id_column`` and ``viewer_id`` have no
    block between them, either way (two index probes a row)."""
    return sa.and_(
        ~sa.exists().where(Block.blocker_id == viewer_id, Block.blocked_id == user_id_column),
        ~sa.exists().where(Block.blocker_id == user_id_column, Block.blocked_id == viewer_id),
    )


def unmuted_by(viewer_id: int | sa.BindParameter[int], user_id_column: Any) -> sa.ColumnElement[bool]:
    """A WHERE clause for a timeline or notifications: ``viewer_id`` has not muted the player in
    ``user_id_column``."""
    return ~sa.exists().where(Mute.muter_id == viewer_id, Mute.muted_id == user_id_column)


def quiet_for(viewer_id: int | sa.BindParameter[int], user_id_column: Any) -> sa.ColumnElement[bool]:
    """``visible_to`` and ``unmuted_by`` at once: what a timeline or notification list shows."""
    return sa.and_(visible_to(viewer_id, user_id_column), unmuted_by(viewer_id, user_id_column))


def silenced(recipient_id: int, actor_id: int) -> bool:
    """Whether an action of ``actor_id`` should not notify ``recipient_id`` (muted or blocked)."""
    return db.session.scalar(sa.select(sa.literal(1)).where(
        sa.or_(
            sa.exists().where(Mute.muter_id == recipient_id, Mute.muted_id == actor_id),
            sa.exists().where(_block_between(recipient_id, actor_id)),
        )
    )) is not None


# --- blocking and muting -------------------------------------------------------------------


def _insert(row: Block | Mute) -> bool:
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def block(blocker: User, target: User) -> bool:
    """Block ``target``; True when the block is new (a repeat is a no-op). Follows both ways
    end (following listens to ``blocked``)."""
    if blocker.id == target.id:
        raise SafetyError("You can't block yourself.")
    if not _insert(Block(blocker_id=blocker.id, blocked_id=target.id)):
        return False
    blocked.send(this_app(), blocker=blocker, blocked=target)
    return True


def unblock(blocker: User, target: User) -> bool:
    result = db.session.execute(
        sa.delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == target.id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mute(muter: User, target: User) -> bool:
    """Mute ``target``; True when the mute is new. The muted player is not told."""
    if muter.id == target.id:
        raise SafetyError("You can't mute yourself.")
    return _insert(Mute(muter_id=muter.id, muted_id=target.id))


def unmute(muter: User, target: User) -> bool:
    result = db.session.execute(
        sa.delete(Mute).where(Mute.muter_id == muter.id, Mute.muted_id == target.id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- what pages show -----------------------------------------------------------------------


@dataclass
class ProfilePanel:
    """The viewer's block and mute buttons on another player's profile."""

    blocked: bool
    muted: bool


def profile_panel(viewer: Any, user: User) -> ProfilePanel | None:
    if not getattr(viewer, "is_authenticated", False) or viewer.id == user.id:
        return None
    row = db.session.execute(sa.select(
        sa.exists().where(Block.blocker_id == viewer.id, Block.blocked_id == user.id),
        sa.exists().where(Mute.muter_id == viewer.id, Mute.muted_id == user.id),
    )).one()
    return ProfilePanel(blocked=bool(row[0]), muted=bool(row[1]))


@dataclass
class Silenced:
    """The players I blocked and the players I muted, newest first."""

    blocked: list[User]
    muted: list[User]


def silenced_by(user: User, limit: int = 500) -> Silenced:
    """For ``/settings/blocked``: two queries."""
    return Silenced(
        blocked=list(db.session.scalars(
            sa.select(User).join(Block, Block.blocked_id == User.id)
            .where(Block.blocker_id == user.id).order_by(Block.created_at.desc(), User.id).limit(limit)
        )),
        muted=list(db.session.scalars(
            sa.select(User).join(Mute, Mute.muted_id == User.id)
            .where(Mute.muter_id == user.id).order_by(Mute.created_at.desc(), User.id).limit(limit)
        )),
    )


# --- privacy -------------------------------------------------------------------------------


def privacy_of(user: User) -> PrivacySettings:
    """The player's privacy settings (the defaults, unsaved, when they never changed them)."""
    found = db.session.get(PrivacySettings, user.id)
    if found is not None:
        return found
    return PrivacySettings(user_id=user.id, messages_from="everyone", show_distance=True,
                           profile_visibility="public")


def save_privacy(user: User, messages_from: str, show_distance: bool, profile_visibility: str) -> None:
    """Store the player's choices (an upsert, so two tabs make one row)."""
    if messages_from not in MESSAGES_FROM or profile_visibility not in PROFILE_VISIBILITY:
        raise SafetyError("Choose one of the options shown.")
    values = {"messages_from": messages_from, "show_distance": show_distance,
              "profile_visibility": profile_visibility}
    statement = dialect_insert(PrivacySettings.__table__).values(user_id=user.id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))
    db.session.expire_all()


def shows_distance(user_id_column: Any) -> sa.ColumnElement[bool]:
    """A column for a list's SELECT: whether the player in ``user_id_column`` lets others see
    how far away they are (a correlated subquery, so the list stays one statement)."""
    chosen = (
        sa.select(PrivacySettings.show_distance)
        .where(PrivacySettings.user_id == user_id_column)
        .scalar_subquery()
    )
    return sa.func.coalesce(chosen, sa.true())


def members_only(user: User) -> bool:
    """Whether anonymous visitors get only a join page instead of ``user``'s profile."""
    return privacy_of(user).profile_visibility == "members"


def check_new_conversation(sender: User, recipient: User) -> None:
    """Before a message opens a conversation: the recipient's ``messages_from`` must admit the
    sender (``Unreachable``, 403), and a sender may open at most ``RATELIMIT_FIRST_CONTACT``
    conversations a day with players who don't follow them (``FirstContactLimit``, 429)."""
    from app.following.services import is_following  # following imports this module

    check_reach(sender, recipient)
    rule = privacy_of(recipient).messages_from
    if rule == "nobody":
        raise Unreachable(f"{recipient.username} doesn't take new messages.")
    if rule == "following" and not is_following(recipient.id, sender.id):
        raise Unreachable(f"{recipient.username} takes new messages only from players they follow.")
    if rule == "following" or is_following(recipient.id, sender.id):
        return
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    allowed = parse(current_app.config["RATELIMIT_FIRST_CONTACT"])
    if not limiter.limiter.hit(allowed, "first-contact", str(sender.id)):
        period = allowed.GRANULARITY.name
        if allowed.multiples != 1:
            period = f"{allowed.multiples} {period}s"
        raise FirstContactLimit(
            f"You can start {allowed.amount} conversations per {period} with players who don't "
            "follow you, and you've reached that. Try again later, or write to players who follow you."
        )

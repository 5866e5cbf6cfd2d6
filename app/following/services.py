"""Following and fist bumps as plain functions. Services add and flush; the request commits.

Races are settled by the database: the unique (follower, followed) pair makes a double follow
one row, and a fist bump is a conditional UPDATE (or a first INSERT on the pair's key).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.pagination import Paginated
from app.core.signals import this_app
from app.core.text import plural
from app.extensions import db
from app.following.models import FistBump, Follow
from app.following.signals import fist_bumped, followed
from app.identity.models import User
from app.identity.services import active_user  # noqa: F401  (this area's views use it)
from app.safety.services import check_reach, visible_to

PER_PAGE = 20
BUMP_INTERVAL = timedelta(hours=12)


class FollowingError(Exception):
    """A rule refused the action; the message is for the user."""


class TooSoon(FollowingError):
    """A fist bump within 12 hours of the last one to the same player."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


# --- follows -------------------------------------------------------------------------------


def follow(follower: User, target: User) -> bool:
    """Make ``follower`` follow ``target``; True when the follow is new (a repeat is a no-op)."""
    if follower.id == target.id:
        raise FollowingError("You can't follow yourself.")
    if not target.is_active:
        raise FollowingError("That player isn't on Fairway any more.")
    check_reach(follower, target)
    try:
        with db.session.begin_nested():
            db.session.add(Follow(follower_id=follower.id, followed_id=target.id))
            db.session.flush()
    except IntegrityError:
        return False
    followed.send(this_app(), follower=follower, followed=target)
    return True


def unfollow(follower: User, target: User) -> bool:
    """Stop following; True when there was a follow to remove."""
    result = db.session.execute(
        sa.delete(Follow)
        .where(Follow.follower_id == follower.id, Follow.followed_id == target.id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def is_following(follower_id: int, followed_id: int) -> bool:
    return db.session.scalar(
        sa.select(Follow.id).where(Follow.follower_id == follower_id, Follow.followed_id == followed_id)
    ) is not None


def _active_count(column: so.InstrumentedAttribute[int], other: so.InstrumentedAttribute[int],
                  user_id: int) -> int:
    return int(db.session.scalar(
        sa.select(sa.func.count(Follow.id))
        .join(User, User.id == other)
        .where(column == user_id, User.deactivated_at.is_(None))
    ) or 0)


def followed_by(follower_id: int | sa.BindParameter[int]) -> sa.Select[int]:
    """The ids of everyone the player ``follower_id`` follows, as a subquery other areas can
    filter on (the id, or a bound parameter of a statement built once)."""
    return sa.select(Follow.followed_id).where(Follow.follower_id == follower_id)


def followed_ids(user: User, limit: int = 500) -> list[int]:
    """The active players the user follows, most recently followed first (at most ``limit``)."""
    return list(db.session.scalars(
        sa.select(Follow.followed_id)
        .join(User, User.id == Follow.followed_id)
        .where(Follow.follower_id == user.id, User.deactivated_at.is_(None))
        .order_by(Follow.id.desc())
        .limit(limit)
    ))


def following_among(user: User, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` the user follows already (one query, for a list of Follow-back buttons)."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(db.session.scalars(
        sa.select(Follow.followed_id).where(Follow.follower_id == user.id, Follow.followed_id.in_(wanted))
    ))


def on_invitee_joined(sender: Flask, referrer_id: int, invitee: User, **_: Any) -> None:
    """referrals' ``invitee_joined`` listener: a new player follows whoever invited them, and
    the inviter hears of it (as any follow) with a Follow back button. A refused follow (an
    inviter gone meanwhile) never fails the sign-up."""
    if "following" not in sender.blueprints:
        return
    referrer = db.session.get(User, referrer_id)
    if referrer is None:
        return
    try:
        with db.session.begin_nested():
            follow(invitee, referrer)
    except FollowingError:
        return


def follower_count(user: User) -> int:
    return _active_count(Follow.followed_id, Follow.follower_id, user.id)


def following_count(user: User) -> int:
    return _active_count(Follow.follower_id, Follow.followed_id, user.id)


@dataclass
class PeoplePage(Paginated):
    """One page of a followers or following list, newest follow first."""

    users: list[User]
    total: int
    page: int
    per_page: int = PER_PAGE


def _people(column: so.InstrumentedAttribute[int], other: so.InstrumentedAttribute[int],
            user: User, page: int, viewer: Any = None) -> PeoplePage:
    """The list as ``viewer`` sees it: players with a block between them and the viewer are left
    out (in the query; the count beside the list stays the public figure)."""
    total = _active_count(column, other, user.id)
    shown = [visible_to(viewer.id, User.id)] if getattr(viewer, "is_authenticated", False) else []
    users = db.session.scalars(
        sa.select(User)
        .join(Follow, User.id == other)
        .where(column == user.id, User.deactivated_at.is_(None), *shown)
        .order_by(Follow.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return PeoplePage(users=list(users), total=total, page=page)


def followers_page(user: User, page: int = 1, viewer: Any = None) -> PeoplePage:
    return _people(Follow.followed_id, Follow.follower_id, user, page, viewer)


def following_page(user: User, page: int = 1, viewer: Any = None) -> PeoplePage:
    return _people(Follow.follower_id, Follow.followed_id, user, page, viewer)


def on_blocked(sender: Any, blocker: User, blocked: User, **_: Any) -> None:
    """A block ends follows both ways."""
    db.session.execute(
        sa.delete(Follow)
        .where(sa.or_(
            sa.and_(Follow.follower_id == blocker.id, Follow.followed_id == blocked.id),
            sa.and_(Follow.follower_id == blocked.id, Follow.followed_id == blocker.id),
        ))
        .execution_options(synchronize_session=False)
    )


# --- fist bumps ----------------------------------------------------------------------------


def fist_bump(bumper: User, target: User) -> None:
    """Give a fist bump: at most one per direction every 12 hours (``TooSoon`` otherwise)."""
    if bumper.id == target.id:
        raise FollowingError("You can't fist bump yourself.")
    if not target.is_active:
        raise FollowingError("That player isn't on Fairway any more.")
    check_reach(bumper, target)
    now = utcnow()
    bumped_again = db.session.execute(
        sa.update(FistBump)
        .where(
            FistBump.bumper_id == bumper.id,
            FistBump.bumped_id == target.id,
            FistBump.last_bumped_at <= now - BUMP_INTERVAL,
        )
        .values(total=FistBump.total + 1, last_bumped_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if not bumped_again:
        try:
            with db.session.begin_nested():
                db.session.add(FistBump(bumper_id=bumper.id, bumped_id=target.id, last_bumped_at=now))
                db.session.flush()
        except IntegrityError:
            raise _too_soon(bumper, target) from None
    fist_bumped.send(this_app(), bumper=bumper, bumped=target)


def _too_soon(bumper: User, target: User) -> TooSoon:
    last = db.session.scalar(
        sa.select(FistBump.last_bumped_at).where(
            FistBump.bumper_id == bumper.id, FistBump.bumped_id == target.id
        )
    ) or utcnow()
    retry_at = last + BUMP_INTERVAL
    hours = max(1, math.ceil((retry_at - utcnow()).total_seconds() / 3600))
    return TooSoon(
        f"You already fist bumped {target.username} in the last 12 hours. "
        f"You can bump again in about {hours} {plural(hours, 'hour')}.",
        retry_at,
    )


def bumps_received(user: User) -> int:
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(FistBump.total), 0)).where(FistBump.bumped_id == user.id)
    ) or 0)


def can_bump(bumper: User, target: User) -> bool:
    last = db.session.scalar(
        sa.select(FistBump.last_bumped_at).where(
            FistBump.bumper_id == bumper.id, FistBump.bumped_id == target.id
        )
    )
    return last is None or last <= utcnow() - BUMP_INTERVAL


# --- the profile panel ---------------------------------------------------------------------


@dataclass
class ProfilePanel:
    """What the following area shows on a profile page."""

    followers: int
    following: int
    bumps: int
    viewer_follows: bool = False
    follows_viewer: bool = False
    viewer_can_bump: bool = False
    is_self: bool = False


def _active_count_query(column: so.InstrumentedAttribute[int], other: so.InstrumentedAttribute[int],
                        user_id: int) -> sa.ScalarSelect[int]:
    return (sa.select(sa.func.count(Follow.id)).join(User, User.id == other)
            .where(column == user_id, User.deactivated_at.is_(None)).scalar_subquery())


def profile_panel(viewer: User, user: User) -> ProfilePanel:
    """The counts and, for another signed-in player, the follows both ways and whether a bump is
    allowed: one statement (a scalar subquery each, each on its own index)."""
    columns: list[sa.ColumnElement[Any]] = [
        _active_count_query(Follow.followed_id, Follow.follower_id, user.id),
        _active_count_query(Follow.follower_id, Follow.followed_id, user.id),
        sa.select(sa.func.coalesce(sa.func.sum(FistBump.total), 0))
        .where(FistBump.bumped_id == user.id).scalar_subquery(),
    ]
    other_player = viewer.is_authenticated and viewer.id != user.id
    if other_player:
        columns += [
            sa.exists().where(Follow.follower_id == viewer.id, Follow.followed_id == user.id),
            sa.exists().where(Follow.follower_id == user.id, Follow.followed_id == viewer.id),
            sa.select(FistBump.last_bumped_at)
            .where(FistBump.bumper_id == viewer.id, FistBump.bumped_id == user.id).scalar_subquery(),
        ]
    row = db.session.execute(sa.select(*columns)).one()
    panel = ProfilePanel(followers=int(row[0] or 0), following=int(row[1] or 0), bumps=int(row[2] or 0))
    if viewer.is_authenticated:
        panel.is_self = viewer.id == user.id
        if other_player:
            last_bump = row[5]
            panel.viewer_follows, panel.follows_viewer = bool(row[3]), bool(row[4])
            panel.viewer_can_bump = last_bump is None or last_bump <= utcnow() - BUMP_INTERVAL
    return panel

"""What pages show of referrals: a player's figures, the people they brought, the leaderboard and
the admin's columns."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.identity.models import User
from app.referrals.clicks import buffered as clicks_buffered
from app.referrals.holds import counted
from app.referrals.models import PointsEntry, Referral, ReferralClick, ReferralCode, ReferralSignal
from app.safety.services import visible_to


@dataclass
class ReferralStats:
    clicks: int
    sign_ups: int
    verified: int
    points: int


def stats_for(user: User) -> ReferralStats:
    """The player's figures in two statements: their codes (the clicks still buffered are
    counted by code), then the clicks, sign-ups, verified sign-ups and points together, a scalar
    subquery each (``_stats_statement``)."""
    code_ids = list(db.session.scalars(sa.select(ReferralCode.id).where(ReferralCode.user_id == user.id)))
    clicks, sign_ups, verified, points = db.session.execute(
        _stats_statement(), {"me": user.id, "codes": code_ids}
    ).one()
    return ReferralStats(int(clicks or 0) + clicks_buffered(code_ids), int(sign_ups or 0), int(verified or 0),
                         int(points or 0))


@functools.cache
def _stats_statement() -> sa.Select[Any]:
    """``stats_for``'s figures, built once (every home page runs it; building it cost more than
    running it) and run with the player's id and codes as parameters."""
    me = sa.bindparam("me", type_=sa.Integer)
    invitee = so.aliased(User)
    referred = (
        sa.select(Referral.id).join(invitee, invitee.id == Referral.invitee_id)
        .where(Referral.referrer_id == me)
    )
    codes = sa.bindparam("codes", expanding=True, type_=sa.Integer)
    return sa.select(
        sa.select(sa.func.count(ReferralClick.id)).where(ReferralClick.code_id.in_(codes)).scalar_subquery(),
        referred.with_only_columns(sa.func.count(Referral.id)).scalar_subquery(),
        referred.with_only_columns(sa.func.coalesce(
            sa.func.sum(sa.case((invitee.email_verified_at.is_not(None), 1), else_=0)), 0
        )).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
        .where(PointsEntry.user_id == me).scalar_subquery(),
    )


@dataclass
class Referred:
    username: str
    verified: bool
    joined_at: datetime


def people_referred(user: User, limit: int = 200) -> list[Referred]:
    invitee = so.aliased(User)
    rows = db.session.execute(
        sa.select(invitee.username, invitee.email_verified_at, Referral.created_at)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(Referral.referrer_id == user.id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()
    return [Referred(name, verified_at is not None, joined) for name, verified_at, joined in rows]


@dataclass
class LeaderboardRow:
    username: str
    verified: int
    sign_ups: int
    points: int


def leaderboard(limit: int = 25, viewer: Any = None) -> list[LeaderboardRow]:
    """Top referrers by verified sign-ups (active accounts only; held and rejected referrals
    don't count); a signed-in ``viewer`` does not see players with a block between them."""
    referrer, invitee = so.aliased(User), so.aliased(User)
    shown = [visible_to(viewer.id, referrer.id)] if getattr(viewer, "is_authenticated", False) else []
    verified = sa.func.sum(sa.case((invitee.email_verified_at.is_not(None), 1), else_=0))
    points = (
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
        .where(PointsEntry.user_id == referrer.id)
        .correlate(referrer)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(referrer.username, verified, sa.func.count(Referral.id), points)
        .join(referrer, referrer.id == Referral.referrer_id)
        .join(invitee, invitee.id == Referral.invitee_id)
        .outerjoin(ReferralSignal, ReferralSignal.referral_id == Referral.id)
        .where(referrer.deactivated_at.is_(None), counted(), *shown)
        .group_by(referrer.id, referrer.username)
        .having(verified > 0)
        .order_by(verified.desc(), referrer.username)
        .limit(limit)
    ).all()
    return [LeaderboardRow(name, int(v), int(s), int(p)) for name, v, s, p in rows]


def referrers_of(user_ids: list[int]) -> dict[int, str]:
    """Invitee id → the username of whoever referred them (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.invitee_id, User.username)
        .join(User, User.id == Referral.referrer_id)
        .where(Referral.invitee_id.in_(user_ids))
    ).all()
    return {invitee_id: username for invitee_id, username in rows}


def referral_counts(user_ids: list[int]) -> dict[int, int]:
    """Referrer id → how many accounts they referred (one query; absent means none)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.referrer_id, sa.func.count(Referral.id))
        .where(Referral.referrer_id.in_(user_ids))
        .group_by(Referral.referrer_id)
    ).all()
    return {referrer_id: int(count) for referrer_id, count in rows}

"""Points: a referrer earns them once per verified invitee (a unique (user, event, source) key
on the ledger)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.identity.models import User
from app.referrals.models import InviteFreeze, PointsEntry, Referral, ReferralSignal
from app.referrals.signals import referral_verified

VERIFIED_REFERRAL = "referral_verified"
VERIFIED_REFERRAL_POINTS = 10


def award_points(user_id: int, event: str, source: str, points: int) -> bool:
    """Credit points once per (user, event, source); a repeat is a harmless no-op."""
    try:
        with db.session.begin_nested():
            db.session.add(PointsEntry(user_id=user_id, event=event, source=source, points=points))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def on_email_verified(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``email_verified`` listener: the referrer earns points for a verified invitee,
    unless their invites are frozen then (those points are withheld for good)."""
    if "referrals" not in sender.blueprints:
        return
    referrer_id = db.session.scalar(sa.select(Referral.referrer_id).where(Referral.invitee_id == user.id))
    if referrer_id is not None and db.session.get(InviteFreeze, referrer_id) is not None:
        return  # an admin froze the referrer's invites: the points are withheld
    if referrer_id is not None and _held(user.id):
        return  # clustered sign-ups: an admin's approval pays them (``holds``)
    if referrer_id is not None and award_points(
        referrer_id, VERIFIED_REFERRAL, f"user:{user.id}", VERIFIED_REFERRAL_POINTS
    ):
        referral_verified.send(sender, referrer_id=referrer_id, invitee=user)


def _held(invitee_id: int) -> bool:
    """The invitee's referral waits for an admin's review or was rejected (``holds``)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ReferralSignal)
        .join(Referral, Referral.id == ReferralSignal.referral_id)
        .where(Referral.invitee_id == invitee_id, ReferralSignal.held_reason.is_not(None),
               sa.or_(ReferralSignal.decision.is_(None), ReferralSignal.decision != "approved"))
    ) != 0


def points_of(user: User) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.user_id == user.id
            )
        )
        or 0
    )

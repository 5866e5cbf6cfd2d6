"""Claiming a spot, exact under concurrency: a claim locks its round's row (SELECT ... FOR UPDATE)
before it counts the live claims, so racing claims take turns and the last spot goes once; a
unique (round, player) key keeps one claim per player. Holds lapse by the clock alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, flash, has_request_context, session
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.signals import this_app
from app.extensions import db
from app.following.services import is_following
from app.identity.models import User
from app.referrals.links import remember_referrer
from app.safety.services import may_reach
from app.teetimes.errors import (
    AlreadyJoined,
    ClaimRefused,
    NoSuchPlayer,
    NotAllowed,
    RoundClosed,
    RoundFull,
    TeeTimeError,
)
from app.teetimes.listings import live_counts
from app.teetimes.models import HELD, PENDING, REMOVED, Claim, TeeTime, WaitlistEntry
from app.teetimes.offers import offer_free_spots, offers_held
from app.teetimes.rounds import tee_time_by_code
from app.teetimes.signals import spot_claimed, spot_freed

#: How long an unverified claimant has to confirm their address (tee time comes first if sooner).
HOLD_WINDOW = timedelta(hours=24)
#: The session key that remembers the first tee-time link a visitor opened (first click wins).
REMEMBERED_TEE_TIME = "teetime_code"


def locked_round(tee_time_id: int) -> TeeTime:
    """The round's row, locked until the transaction ends: claims, removals and cancellation
    of one round take turns."""
    return db.session.execute(
        sa.select(TeeTime)
        .where(TeeTime.id == tee_time_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def check_open(tee_time: TeeTime, now: datetime) -> None:
    if tee_time.cancelled_at is not None:
        raise RoundClosed("The host cancelled this round.")
    if tee_time.is_closed(now):
        raise RoundClosed("This round has teed off; it takes no more players.")


def claim_spot(player: User, tee_time_id: int) -> Claim:
    """Claim one open spot. A verified player holds it at once; an unverified one has until
    ``hold_until`` to confirm their address. Refusals raise a TeeTimeError."""
    now = utcnow()
    tee_time = locked_round(tee_time_id)
    check_open(tee_time, now)
    if player.id == tee_time.host_id:
        raise ClaimRefused("You host this round, so you're in it already.")
    if not may_reach(player, tee_time.host):
        raise NotAllowed("You can't join this round.")
    if tee_time.visibility == "followers" and not is_following(player.id, tee_time.host_id):
        raise NotAllowed(f"Only players who follow {tee_time.host.username} can join this round.")
    existing = db.session.scalar(
        sa.select(Claim)
        .where(Claim.tee_time_id == tee_time.id, Claim.user_id == player.id)
        .execution_options(populate_existing=True)
    )
    status = existing.status(now) if existing is not None else None
    if status == REMOVED:
        raise NotAllowed("The host took you off this round, so you can't claim a spot in it again.")
    if status in (HELD, PENDING):
        raise AlreadyJoined("You already have a spot in this round.")
    # A spot that freed goes to the waitlist first; one held for this player is theirs to take.
    offer_free_spots(tee_time, now, quiet_for=player.id)
    taken = live_counts([tee_time.id], now).get(tee_time.id, 0)
    if taken + offers_held(tee_time.id, now, excluding=player.id) >= tee_time.spots:
        raise RoundFull("This round is full: every open spot has been claimed or is held for the waitlist.")
    hold_until = min(now + HOLD_WINDOW, tee_time.starts_at)
    confirmed_at = now if player.email_verified else None
    if existing is not None:
        # A lapsed hold (or a spot given up): the player claims again, on the same row.
        existing.claimed_at, existing.hold_until, existing.confirmed_at = now, hold_until, confirmed_at
        db.session.flush()
        claim = existing
    else:
        claim = Claim(
            tee_time_id=tee_time.id, user_id=player.id, claimed_at=now, hold_until=hold_until,
            confirmed_at=confirmed_at,
        )
        try:
            with db.session.begin_nested():
                db.session.add(claim)
                db.session.flush()
        except IntegrityError:
            raise AlreadyJoined("You already have a spot in this round.") from None
    db.session.execute(
        sa.delete(WaitlistEntry)
        .where(WaitlistEntry.tee_time_id == tee_time.id, WaitlistEntry.user_id == player.id)
        .execution_options(synchronize_session=False)
    )
    spot_claimed.send(this_app(), tee_time=tee_time, host=tee_time.host, player=player)
    return claim


def leave_round(player: User, tee_time_id: int) -> TeeTime:
    """Give one's spot up before tee time. The claim ends the way a lapsed hold does (the
    player may claim again while a spot is open) and the host is told the spot is free."""
    now = utcnow()
    tee_time = locked_round(tee_time_id)
    check_open(tee_time, now)
    claim = db.session.scalar(
        sa.select(Claim)
        .where(Claim.tee_time_id == tee_time.id, Claim.user_id == player.id)
        .execution_options(populate_existing=True)
    )
    if claim is None or claim.status(now) not in (HELD, PENDING):
        raise NoSuchPlayer("You don't have a spot in this round.")
    claim.hold_until, claim.confirmed_at = now, None
    db.session.flush()
    spot_freed.send(this_app(), tee_time=tee_time, host=tee_time.host, player=player)
    offer_free_spots(tee_time, now)
    return tee_time


def confirm_holds(player: User) -> int:
    """Holds still pending become held (a verified address); lapsed ones stay lapsed."""
    now = utcnow()
    result = db.session.execute(
        sa.update(Claim)
        .where(
            Claim.user_id == player.id,
            Claim.confirmed_at.is_(None),
            Claim.removed_at.is_(None),
            Claim.hold_until > now,
        )
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def remember_link(tee_time: TeeTime) -> None:
    """An anonymous visitor opened a round's link: remember the first round they could join
    (first click wins) and, unless a referral is remembered already, make its host their
    referrer."""
    if tee_time.visibility == "link" and not session.get(REMEMBERED_TEE_TIME):
        session[REMEMBERED_TEE_TIME] = tee_time.code
    remember_referrer(tee_time.host)


def on_user_registered(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``user_registered`` listener: a visitor who came from a round's link gets
    their spot in the sign-up transaction (a round filled meanwhile is no reason to refuse
    the account)."""
    if "teetimes" not in sender.blueprints or not has_request_context():
        return
    code = session.pop(REMEMBERED_TEE_TIME, None)
    tee_time = tee_time_by_code(code) if isinstance(code, str) else None
    if tee_time is None:
        return
    try:
        with db.session.begin_nested():
            claim_spot(user, tee_time.id)
    except TeeTimeError as exc:
        flash(f"We couldn't give you a spot in {tee_time.host.username}'s round: {exc}", "info")
        return
    flash(
        f"You have a spot in {tee_time.host.username}'s round at {tee_time.course}. "
        "Confirm your email within 24 hours (or before tee time) to hold it.",
        "success",
    )


def on_email_verified(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``email_verified`` listener: pending holds become held."""
    if "teetimes" in sender.blueprints:
        confirm_holds(user)

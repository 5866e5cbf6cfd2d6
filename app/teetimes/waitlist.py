"""A full round's waitlist: joining and leaving the line, and handing freed spots down it.

A spot frees when a player gives it up or is removed (handed on at once, in that transaction),
when an unconfirmed hold lapses or a waitlisted player's 2 hours pass (both by the clock alone:
the tick hands those on). Until then a claim on the round reckons such a spot as the line's, so a
passer-by never takes a spot someone is waiting for."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.following.services import is_following
from app.identity.models import User
from app.teetimes.claims import check_open, locked_round
from app.teetimes.errors import AlreadyJoined, ClaimRefused, NoSuchPlayer, NotAllowed
from app.teetimes.listings import live_counts
from app.teetimes.models import HELD, OFFERED, PASSED, PENDING, REMOVED, Claim, TeeTime, WaitlistEntry
from app.teetimes.offers import entry_of, offer_free_spots, offers_held

log = logging.getLogger(__name__)


def join_waitlist(player: User, tee_time_id: int) -> WaitlistEntry:
    """Get in line for a full round (at the back; again at the back once one's turn passed)."""
    now = utcnow()
    tee_time = locked_round(tee_time_id)
    check_open(tee_time, now)
    if player.id == tee_time.host_id:
        raise ClaimRefused("You host this round, so you're in it already.")
    if tee_time.visibility == "followers" and not is_following(player.id, tee_time.host_id):
        raise NotAllowed(f"Only players who follow {tee_time.host.username} can join this round.")
    claim = db.session.scalar(
        sa.select(Claim).where(Claim.tee_time_id == tee_time.id, Claim.user_id == player.id)
    )
    status = claim.status(now) if claim is not None else None
    if status == REMOVED:
        raise NotAllowed("The host took you off this round, so you can't claim a spot in it again.")
    if status in (HELD, PENDING):
        raise AlreadyJoined("You already have a spot in this round.")
    offer_free_spots(tee_time, now)
    entry = entry_of(tee_time.id, player.id)
    if entry is not None and entry.status(now) != PASSED:
        raise AlreadyJoined("You're on this round's waitlist already.")
    taken = live_counts([tee_time.id], now).get(tee_time.id, 0) + offers_held(tee_time.id, now)
    if taken < tee_time.spots:
        raise ClaimRefused("This round has an open spot: claim it instead.")
    if entry is not None:
        entry.joined_at, entry.offered_at, entry.offered_until, entry.passed_told_at = now, None, None, None
        db.session.flush()
        return entry
    entry = WaitlistEntry(tee_time_id=tee_time.id, user_id=player.id, joined_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise AlreadyJoined("You're on this round's waitlist already.") from None
    return entry


def leave_waitlist(player: User, tee_time_id: int) -> None:
    """Step out of line; a spot held for the player goes to the next one waiting."""
    now = utcnow()
    tee_time = locked_round(tee_time_id)
    entry = entry_of(tee_time.id, player.id)
    if entry is None:
        raise NoSuchPlayer("You're not on this round's waitlist.")
    held = entry.status(now) == OFFERED
    db.session.delete(entry)
    db.session.flush()
    if held:
        offer_free_spots(tee_time, now)


def place_in_line(entry: WaitlistEntry) -> int:
    """1 for the first player still waiting."""
    ahead = db.session.scalar(
        sa.select(sa.func.count(WaitlistEntry.id)).where(
            WaitlistEntry.tee_time_id == entry.tee_time_id, WaitlistEntry.offered_at.is_(None),
            sa.tuple_(WaitlistEntry.joined_at, WaitlistEntry.id) < sa.tuple_(entry.joined_at, entry.id),
        )
    )
    return int(ahead or 0) + 1


def advance_waitlists() -> int:
    """The tick's part: on every upcoming round with players waiting, offer the spots that freed
    by the clock (a lapsed hold, an offer whose 2 hours passed), and tell players whose offer
    passed (and the host) even when nobody is next in line. One committed transaction per
    round, under its lock. Returns how many players were offered a spot."""
    now = utcnow()
    untold = sa.and_(WaitlistEntry.offered_until <= now, WaitlistEntry.passed_told_at.is_(None))
    rounds = list(db.session.scalars(
        sa.select(WaitlistEntry.tee_time_id).distinct()
        .join(TeeTime, TeeTime.id == WaitlistEntry.tee_time_id)
        .where(
            sa.or_(WaitlistEntry.offered_at.is_(None), untold),
            TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None),
        )
    ))
    offered = 0
    for tee_time_id in rounds:
        try:
            offered += len(offer_free_spots(locked_round(tee_time_id), now))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("handing on the spots of round %s failed; the next tick tries again", tee_time_id)
    return offered

"""Spots held for a full round's waitlist. Every function here runs with the round's row locked
(``claims.locked_round``), like a claim: offers and claims of one round take turns, so a freed
spot goes to one player only."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.signals import this_app
from app.core.text import when
from app.core.zones import zone_of
from app.extensions import db
from app.identity.models import User
from app.teetimes.listings import live_counts
from app.teetimes.mail import mail_player
from app.teetimes.models import TeeTime, WaitlistEntry
from app.teetimes.rounds import round_url, when_text
from app.teetimes.signals import offer_passed, spot_offered

#: How long a freed spot is held for the first player in line.
OFFER_HOLD = timedelta(hours=2)


def offers_held(tee_time_id: int, now: datetime, excluding: int | None = None) -> int:
    """Spots held for waitlisted players (other than ``excluding``) right now."""
    query = sa.select(sa.func.count(WaitlistEntry.id)).where(
        WaitlistEntry.tee_time_id == tee_time_id, WaitlistEntry.holding(now)
    )
    if excluding is not None:
        query = query.where(WaitlistEntry.user_id != excluding)
    return int(db.session.scalar(query) or 0)


def entry_of(tee_time_id: int, user_id: int) -> WaitlistEntry | None:
    return db.session.scalar(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.tee_time_id == tee_time_id, WaitlistEntry.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def tell_passed(tee_time: TeeTime, now: datetime, quiet_for: int | None = None) -> list[User]:
    """Tell each waitlisted player whose held spot passed unclaimed (by mail and notification),
    and the host (notification), once per offer: ``passed_told_at`` marks it, under the round's
    lock. ``quiet_for``, the player acting now, is marked but not told."""
    passed = list(db.session.scalars(
        sa.select(WaitlistEntry)
        .join(User, User.id == WaitlistEntry.user_id)
        .where(
            WaitlistEntry.tee_time_id == tee_time.id, WaitlistEntry.offered_until <= now,
            WaitlistEntry.passed_told_at.is_(None), User.deactivated_at.is_(None),
        )
        .order_by(WaitlistEntry.offered_until, WaitlistEntry.id)
    ))
    for entry in passed:
        entry.passed_told_at = now
    db.session.flush()
    told = [entry.user for entry in passed if entry.user_id != quiet_for]
    for player in told:
        offer_passed.send(this_app(), tee_time=tee_time, player=player)
        mail_player(
            player, "teetime_passed", f"The spot in {tee_time.host.username}'s round was passed on",
            tee_time=tee_time, when=when_text(tee_time), url=round_url(tee_time),
        )
    return told


def offer_free_spots(tee_time: TeeTime, now: datetime, quiet_for: int | None = None) -> list[User]:
    """Hold each free spot of the (locked) round for the next player waiting in line, and tell
    them by mail and notification (not ``quiet_for``: the claimer at hand, who takes it now).
    Players whose own hold passed unclaimed hear of it first."""
    if tee_time.cancelled_at is not None or tee_time.is_closed(now):
        return []
    tell_passed(tee_time, now, quiet_for)
    taken = live_counts([tee_time.id], now).get(tee_time.id, 0) + offers_held(tee_time.id, now)
    free = tee_time.spots - taken
    if free <= 0:
        return []
    waiting = list(db.session.scalars(
        sa.select(WaitlistEntry)
        .join(User, User.id == WaitlistEntry.user_id)
        .where(
            WaitlistEntry.tee_time_id == tee_time.id, WaitlistEntry.offered_at.is_(None),
            User.deactivated_at.is_(None),
        )
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        .limit(free)
    ))
    until = min(now + OFFER_HOLD, tee_time.starts_at)
    for entry in waiting:
        entry.offered_at, entry.offered_until = now, until
    db.session.flush()
    for entry in waiting:
        if entry.user_id == quiet_for:
            continue
        player = entry.user
        zone = zone_of(player)
        spot_offered.send(this_app(), tee_time=tee_time, player=player, until=until)
        subject = f"A spot opened in {tee_time.host.username}'s round: it's yours to claim"
        mail_player(
            player, "teetime_offer", subject, tee_time=tee_time, when=when_text(tee_time, zone),
            until=when(until, zone=zone), url=round_url(tee_time),
        )
    return [entry.user for entry in waiting]

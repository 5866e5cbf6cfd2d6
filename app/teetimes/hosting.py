"""The host's actions on a round: take a player off, cancel, invite a player by message."""

from __future__ import annotations

import sqlalchemy as sa

from app.clock import utcnow
from app.core.signals import this_app
from app.core.text import plural
from app.core.zones import zone_of
from app.extensions import db
from app.identity.models import User
from app.messaging.services import MessagingError, send_message
from app.safety.services import FirstContactLimit, Unreachable, may_reach
from app.teetimes.claims import check_open, locked_round
from app.teetimes.errors import NoSuchPlayer, NotAllowed, RoundFull, TeeTimeError, TooManyInvites
from app.teetimes.listings import claims_of, spots_left
from app.teetimes.mail import mail_player
from app.teetimes.models import HELD, PENDING, Claim, TeeTime
from app.teetimes.offers import offer_free_spots
from app.teetimes.rounds import round_url, when_text
from app.teetimes.signals import player_removed, round_cancelled


def _hosted(host: User, tee_time_id: int) -> TeeTime:
    tee_time = locked_round(tee_time_id)
    if tee_time.host_id != host.id:
        raise NotAllowed("Only the host can do that.")
    return tee_time


def remove_player(host: User, tee_time_id: int, username: str) -> User:
    """Take a player off the round for good; they are notified and mailed."""
    now = utcnow()
    tee_time = _hosted(host, tee_time_id)
    check_open(tee_time, now)
    claim = db.session.scalar(
        sa.select(Claim)
        .join(User, User.id == Claim.user_id)
        .where(Claim.tee_time_id == tee_time.id, User.username == username.strip().lower()[:30])
    )
    if claim is None or claim.removed_at is not None:
        raise NoSuchPlayer("That player isn't in this round.")
    claim.removed_at = now
    db.session.flush()
    player = claim.user
    player_removed.send(this_app(), tee_time=tee_time, host=host, player=player)
    offer_free_spots(tee_time, now)
    mail_player(
        player, "teetime_removed", f"You're no longer in {host.username}'s round",
        host=host, tee_time=tee_time, when=when_text(tee_time, zone_of(player)),
    )
    return player


def cancel_round(host: User, tee_time_id: int) -> list[User]:
    """Cancel the round; everyone who held or awaited a spot is notified and mailed.
    Cancelling twice is the same as once."""
    now = utcnow()
    tee_time = _hosted(host, tee_time_id)
    if tee_time.cancelled_at is not None:
        return []
    check_open(tee_time, now)
    tee_time.cancelled_at = now
    db.session.flush()
    players = [claim.user for claim in claims_of(tee_time) if claim.status(now) in (HELD, PENDING)]
    round_cancelled.send(this_app(), tee_time=tee_time, host=host, players=players)
    for player in players:
        mail_player(
            player, "teetime_cancelled", f"{host.username} cancelled the round at {tee_time.course}",
            host=host, tee_time=tee_time, when=when_text(tee_time, zone_of(player)),
        )
    return players


def invite_player(host: User, tee_time_id: int, username: str) -> User:
    """Send a player the round's link as a message from the host."""
    now = utcnow()
    tee_time = db.session.get(TeeTime, tee_time_id)
    if tee_time is None or tee_time.host_id != host.id:
        raise NotAllowed("Only the host can invite players to a round.")
    check_open(tee_time, now)
    left = spots_left(tee_time, now)
    if left == 0:
        raise RoundFull("Your round is full already.")
    player = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()[:30]))
    if player is None or not player.is_active:
        raise NoSuchPlayer("We couldn't find that player.")
    if not may_reach(host, player):
        raise NotAllowed(f"You can't invite {player.username}.")
    spots = f"{left} open {plural(left, 'spot')}"
    body = (
        f"I'm playing {tee_time.course} on {when_text(tee_time, yours=False)} and have {spots}. "
        f"Want to join? Claim a spot here: {round_url(tee_time)}"
    )
    try:
        send_message(host, player, body)
    except Unreachable as exc:
        raise NotAllowed(str(exc)) from None
    except FirstContactLimit as exc:
        raise TooManyInvites(str(exc)) from None
    except MessagingError as exc:
        raise TeeTimeError(str(exc)) from None
    return player

"""Tee times as plain functions. Services add and flush; the request commits.

Claiming is exact under concurrency: a claim locks its round's row (SELECT ... FOR UPDATE)
before it counts the live claims, so racing claims take turns and the last spot goes once;
a unique (round, player) key keeps one claim per player. Holds lapse by the clock alone:
whether a claim still takes a spot is computed from its timestamps, so nothing has to run
at the deadline.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, flash, has_request_context, session
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.courses.services import get_course
from app.extensions import db
from app.following.services import followed_by, is_following
from app.identity.models import User
from app.messaging.services import MessagingError, send_message
from app.outbox.services import queue_mail
from app.profiles import geo
from app.profiles.services import Origin, box_clause, profile_for
from app.referrals.codes import ALPHABET, MAX_INPUT, normalize_code
from app.referrals.services import remember_referrer
from app.teetimes.models import HELD, LAPSED, PENDING, REMOVED, Claim, TeeTime
from app.teetimes.signals import player_removed, round_cancelled

#: Tee-time codes: the referral alphabet (no look-alikes), drawn with ``secrets``.
CODE_LENGTH = 8
MAX_CODE_ATTEMPTS = 5
#: How long an unverified claimant has to confirm their address (tee time comes first if sooner).
HOLD_WINDOW = timedelta(hours=24)
MAX_DAYS_AHEAD = 90
#: Upcoming rounds one player may host at once.
MAX_UPCOMING_HOSTED = 20
#: A round posted for a slot tees off (and closes) when the slot begins.
SLOT_START = {"morning": time(6), "midday": time(11), "twilight": time(16)}
#: The session key that remembers the first tee-time link a visitor opened (first click wins).
REMEMBERED_TEE_TIME = "teetime_code"
NEARBY_LIMIT = 50


class TeeTimeError(Exception):
    """A rule refused the action; the message is for the user, ``status`` is the HTTP answer."""

    status = 422
    field = "course"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidRound(TeeTimeError):
    """What was posted can't make a round (a past time, too many rounds)."""


class ClaimRefused(TeeTimeError):
    status = 409


class RoundFull(ClaimRefused):
    pass


class AlreadyJoined(ClaimRefused):
    pass


class RoundClosed(ClaimRefused):
    """Cancelled, or past tee time."""


class NotAllowed(TeeTimeError):
    status = 403


class NoSuchPlayer(TeeTimeError):
    status = 404


class CodeUnavailable(RuntimeError):
    """Minting a unique code failed ``MAX_CODE_ATTEMPTS`` times in a row."""


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


# --- codes and links -------------------------------------------------------------------------


def new_code() -> str:
    """A uniformly random code (``secrets.choice`` draws without modulo bias)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def round_url(tee_time: TeeTime) -> str:
    return f"{current_app.config['APP_BASE_URL']}/t/{tee_time.code}"


def tee_time_by_code(raw: str | None) -> TeeTime | None:
    """The round any spelling of a code names, or None (a deactivated host's rounds are gone)."""
    code = normalize_code((raw or "")[:MAX_INPUT])
    if not code or len(code) > 16 or any(ch not in ALPHABET for ch in code):
        return None
    tee_time = db.session.scalar(
        sa.select(TeeTime).options(so.joinedload(TeeTime.host)).where(TeeTime.code == code)
    )
    if tee_time is None or not tee_time.host.is_active:
        return None
    return tee_time


# --- when ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def timezone_for_zip(zip_code: str) -> str:
    """The IANA time zone of a US zip code, "UTC" when unknown."""
    import zipcodes

    try:
        rows = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return "UTC"
    name = rows[0].get("timezone") if rows else None
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return str(name)


def start_of(day: date, slot: str | None, exact: time | None, timezone: str) -> datetime:
    """Tee time as naive UTC, from a day and a slot or exact time read on the course's clock."""
    clock = exact if exact is not None else SLOT_START[slot or "morning"]
    local = datetime.combine(day, clock, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def when_text(tee_time: TeeTime) -> str:
    """How a round's time reads in pages, mail and messages ("Sat Dec 6, 7:30 AM PST")."""
    start = tee_time.local_start
    day = start.strftime("%a %b %-d")
    clock = start.strftime("%-I:%M %p %Z")
    if tee_time.slot:
        return f"{day}, {tee_time.slot} (from {clock})"
    return f"{day}, {clock}"


# --- posting ---------------------------------------------------------------------------------


@dataclass
class RoundDetails:
    course: str
    day: date
    slot: str | None
    exact: time | None
    spots: int
    note: str
    visibility: str
    course_id: int | None = None


def post_tee_time(host: User, details: RoundDetails) -> TeeTime:
    """Post a round. A course picked from the catalog gives the round its name, place and time
    zone; a course typed as free text takes them from the host's home zip."""
    profile = profile_for(host)
    course_name, zip_code = details.course, profile.zip
    latitude, longitude = profile.latitude, profile.longitude
    if details.course_id is not None:
        course = get_course(details.course_id)
        if course is None:
            raise InvalidRound("That course is not in the catalog.", "catalog_course")
        course_name = course.name
        if course.latitude is not None and course.longitude is not None:
            zip_code, latitude, longitude = course.zip, course.latitude, course.longitude
    timezone = timezone_for_zip(zip_code) if zip_code else "UTC"
    starts_at = start_of(details.day, details.slot, details.exact, timezone)
    now = utcnow()
    where = "time" if details.exact is not None else "date"
    if starts_at <= now:
        raise InvalidRound("That tee time has passed. Pick a time that's still ahead.", where)
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidRound(f"Post rounds up to {MAX_DAYS_AHEAD} days ahead.", "date")
    hosted = db.session.scalar(
        sa.select(sa.func.count(TeeTime.id)).where(
            TeeTime.host_id == host.id, TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None)
        )
    ) or 0
    if hosted >= MAX_UPCOMING_HOSTED:
        raise InvalidRound(f"You host {MAX_UPCOMING_HOSTED} upcoming rounds already. Cancel one first.")
    for _ in range(MAX_CODE_ATTEMPTS):
        tee_time = TeeTime(
            code=new_code(), host_id=host.id, course=course_name, course_id=details.course_id,
            starts_at=starts_at, timezone=timezone, slot=details.slot if details.exact is None else None,
            spots=details.spots, note=details.note, visibility=details.visibility,
            latitude=latitude, longitude=longitude,
        )
        try:
            with db.session.begin_nested():
                db.session.add(tee_time)
                db.session.flush()
        except IntegrityError:
            continue
        return tee_time
    raise CodeUnavailable(f"no unique tee-time code after {MAX_CODE_ATTEMPTS} tries")


# --- reading a round -------------------------------------------------------------------------


def can_see(viewer: Any, tee_time: TeeTime, claim: Claim | None = None) -> bool:
    """Who sees a round's details: anyone for a link round; for a followers round the host,
    the host's followers and players who claimed a spot (unless the host removed them)."""
    if tee_time.visibility == "link":
        return True
    if not viewer.is_authenticated:
        return False
    if viewer.id == tee_time.host_id or (claim is not None and claim.removed_at is None):
        return True
    return is_following(viewer.id, tee_time.host_id)


@dataclass
class RoundView:
    """A round as one viewer sees it."""

    tee_time: TeeTime
    now: datetime
    visible: bool
    players: list[Claim]
    lapsed: list[Claim]
    spots_left: int
    my_claim: Claim | None = None
    is_host: bool = False
    bump_targets: list[User] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.tee_time.cancelled_at is not None

    @property
    def closed(self) -> bool:
        return self.tee_time.is_closed(self.now)

    @property
    def my_status(self) -> str | None:
        return self.my_claim.status(self.now) if self.my_claim is not None else None

    @property
    def open(self) -> bool:
        return not self.cancelled and not self.closed

    @property
    def can_claim(self) -> bool:
        return (
            self.visible and self.open and not self.is_host and self.spots_left > 0
            and self.my_status in (None, LAPSED)
        )


def _claims_of(tee_time: TeeTime) -> list[Claim]:
    return [
        claim
        for claim in db.session.scalars(
            sa.select(Claim)
            .options(so.joinedload(Claim.user))
            .where(Claim.tee_time_id == tee_time.id)
            .order_by(Claim.claimed_at, Claim.id)
        )
        if claim.user.is_active
    ]


def round_view(viewer: Any, tee_time: TeeTime) -> RoundView:
    now = utcnow()
    claims = _claims_of(tee_time)
    mine = next((c for c in claims if viewer.is_authenticated and c.user_id == viewer.id), None)
    players = [c for c in claims if c.status(now) in (HELD, PENDING)]
    view = RoundView(
        tee_time=tee_time, now=now, visible=can_see(viewer, tee_time, mine), players=players,
        lapsed=[c for c in claims if c.status(now) == LAPSED],
        spots_left=max(0, tee_time.spots - len(players)), my_claim=mine,
        is_host=viewer.is_authenticated and viewer.id == tee_time.host_id,
    )
    if view.closed and not view.cancelled and (view.is_host or view.my_status == HELD):
        everyone = [tee_time.host] + [c.user for c in players if c.status(now) == HELD]
        view.bump_targets = [user for user in everyone if user.id != viewer.id]
    return view


def _live_counts(tee_time_ids: list[int], now: datetime) -> dict[int, int]:
    """Round id → claims that take a spot (held or pending, active players), in one query."""
    if not tee_time_ids:
        return {}
    rows = db.session.execute(
        sa.select(Claim.tee_time_id, sa.func.count(Claim.id))
        .join(User, User.id == Claim.user_id)
        .where(Claim.tee_time_id.in_(tee_time_ids), Claim.live(now), User.deactivated_at.is_(None))
        .group_by(Claim.tee_time_id)
    ).all()
    return {tee_time_id: int(count) for tee_time_id, count in rows}


def spots_left(tee_time: TeeTime, now: datetime | None = None) -> int:
    live = _live_counts([tee_time.id], now or utcnow()).get(tee_time.id, 0)
    return max(0, tee_time.spots - live)


# --- claiming --------------------------------------------------------------------------------


def _locked(tee_time_id: int) -> TeeTime:
    """The round's row, locked until the transaction ends: claims, removals and cancellation
    of one round take turns."""
    return db.session.execute(
        sa.select(TeeTime)
        .where(TeeTime.id == tee_time_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _check_open(tee_time: TeeTime, now: datetime) -> None:
    if tee_time.cancelled_at is not None:
        raise RoundClosed("The host cancelled this round.")
    if tee_time.is_closed(now):
        raise RoundClosed("This round has teed off; it takes no more players.")


def claim_spot(player: User, tee_time_id: int) -> Claim:
    """Claim one open spot. A verified player holds it at once; an unverified one has until
    ``hold_until`` to confirm their address. Refusals raise a TeeTimeError."""
    now = utcnow()
    tee_time = _locked(tee_time_id)
    _check_open(tee_time, now)
    if player.id == tee_time.host_id:
        raise ClaimRefused("You host this round, so you're in it already.")
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
    if _live_counts([tee_time.id], now).get(tee_time.id, 0) >= tee_time.spots:
        raise RoundFull("This round is full: every open spot has been claimed.")
    hold_until = min(now + HOLD_WINDOW, tee_time.starts_at)
    confirmed_at = now if player.email_verified else None
    if existing is not None:
        # A lapsed hold: the player claims again, on the same row.
        existing.claimed_at, existing.hold_until, existing.confirmed_at = now, hold_until, confirmed_at
        db.session.flush()
        return existing
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
    return claim


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


# --- the host's actions ----------------------------------------------------------------------


def _hosted(host: User, tee_time_id: int) -> TeeTime:
    tee_time = _locked(tee_time_id)
    if tee_time.host_id != host.id:
        raise NotAllowed("Only the host can do that.")
    return tee_time


def remove_player(host: User, tee_time_id: int, username: str) -> User:
    """Take a player off the round for good; they are notified and mailed."""
    now = utcnow()
    tee_time = _hosted(host, tee_time_id)
    _check_open(tee_time, now)
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
    player_removed.send(_app(), tee_time=tee_time, host=host, player=player)
    queue_mail(
        "teetime_removed", player.email, f"You're no longer in {host.username}'s round", "teetime_removed",
        player=player, host=host, tee_time=tee_time, when=when_text(tee_time),
    )
    return player


def cancel_round(host: User, tee_time_id: int) -> list[User]:
    """Cancel the round; everyone who held or awaited a spot is notified and mailed.
    Cancelling twice is the same as once."""
    now = utcnow()
    tee_time = _hosted(host, tee_time_id)
    if tee_time.cancelled_at is not None:
        return []
    _check_open(tee_time, now)
    tee_time.cancelled_at = now
    db.session.flush()
    players = [claim.user for claim in _claims_of(tee_time) if claim.status(now) in (HELD, PENDING)]
    round_cancelled.send(_app(), tee_time=tee_time, host=host, players=players)
    for player in players:
        queue_mail(
            "teetime_cancelled", player.email, f"{host.username} cancelled the round at {tee_time.course}",
            "teetime_cancelled", player=player, host=host, tee_time=tee_time, when=when_text(tee_time),
        )
    return players


def invite_player(host: User, tee_time_id: int, username: str) -> User:
    """Send a player the round's link as a message from the host."""
    now = utcnow()
    tee_time = db.session.get(TeeTime, tee_time_id)
    if tee_time is None or tee_time.host_id != host.id:
        raise NotAllowed("Only the host can invite players to a round.")
    _check_open(tee_time, now)
    left = spots_left(tee_time, now)
    if left == 0:
        raise RoundFull("Your round is full already.")
    player = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()[:30]))
    if player is None or not player.is_active:
        raise NoSuchPlayer("We couldn't find that player.")
    spots = f"{left} open spot{'' if left == 1 else 's'}"
    body = (
        f"I'm playing {tee_time.course} on {when_text(tee_time)} and have {spots}. "
        f"Want to join? Claim a spot here: {round_url(tee_time)}"
    )
    try:
        send_message(host, player, body)
    except MessagingError as exc:
        raise TeeTimeError(str(exc)) from None
    return player


# --- lists -----------------------------------------------------------------------------------


@dataclass
class RoundRow:
    tee_time: TeeTime
    spots_left: int
    role: str  # "hosting", "held", "pending" or "open"
    distance: float | None = None


def upcoming_for(user: User) -> list[RoundRow]:
    """Rounds I host or hold (or await) a spot in that haven't teed off, soonest first."""
    now = utcnow()
    hosting = list(db.session.scalars(
        sa.select(TeeTime).where(
            TeeTime.host_id == user.id, TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None)
        )
    ))
    joined = db.session.execute(
        sa.select(TeeTime, Claim)
        .join(Claim, Claim.tee_time_id == TeeTime.id)
        .join(User, User.id == TeeTime.host_id)
        .where(
            Claim.user_id == user.id, Claim.live(now), TeeTime.starts_at > now,
            TeeTime.cancelled_at.is_(None), User.deactivated_at.is_(None),
        )
    ).all()
    counts = _live_counts([t.id for t in hosting] + [t.id for t, _ in joined], now)
    rows = [RoundRow(t, max(0, t.spots - counts.get(t.id, 0)), "hosting") for t in hosting]
    rows += [RoundRow(t, max(0, t.spots - counts.get(t.id, 0)), c.status(now)) for t, c in joined]
    return sorted(rows, key=lambda row: (row.tee_time.starts_at, row.tee_time.id))


def open_near(user: User, limit: int = NEARBY_LIMIT) -> list[RoundRow]:
    """Upcoming rounds with a free spot that I could join: any round of a player I follow,
    and link rounds hosted within my radius; soonest first."""
    now = utcnow()
    me = profile_for(user)
    followed = followed_by(user)
    reachable: list[sa.ColumnElement[bool]] = [TeeTime.host_id.in_(followed)]
    origin = None
    if me.latitude is not None and me.longitude is not None:
        origin = Origin(me.latitude, me.longitude, me.zip or "")
        reachable.append(sa.and_(
            TeeTime.visibility == "link",
            box_clause(TeeTime.latitude, TeeTime.longitude, origin, me.radius_miles),
        ))
    mine = sa.select(Claim.id).where(
        Claim.tee_time_id == TeeTime.id, Claim.user_id == user.id,
        sa.or_(Claim.removed_at.is_not(None), Claim.live(now)),
    )
    candidates = db.session.execute(
        sa.select(TeeTime, TeeTime.host_id.in_(followed))
        .join(User, User.id == TeeTime.host_id)
        .options(so.contains_eager(TeeTime.host))
        .where(
            TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None), TeeTime.host_id != user.id,
            User.deactivated_at.is_(None), ~sa.exists(mine), sa.or_(*reachable),
        )
        .order_by(TeeTime.starts_at, TeeTime.id)
        .limit(limit * 4)
    ).all()
    counts = _live_counts([t.id for t, _ in candidates], now)
    rows: list[RoundRow] = []
    for tee_time, by_followed in candidates:
        distance = None
        if origin is not None and tee_time.latitude is not None and tee_time.longitude is not None:
            distance = geo.haversine_miles(
                origin.latitude, origin.longitude, tee_time.latitude, tee_time.longitude
            )
        if not by_followed and (distance is None or distance > me.radius_miles):
            continue
        left = tee_time.spots - counts.get(tee_time.id, 0)
        if left > 0:
            rows.append(RoundRow(tee_time, left, "open", distance))
    return rows[:limit]


def hosted_open_rounds(user: Any) -> list[RoundRow]:
    """My upcoming rounds that still have a free spot (the match page offers to fill them)."""
    if not user.is_authenticated:
        return []
    return [row for row in upcoming_for(user) if row.role == "hosting" and row.spots_left > 0]

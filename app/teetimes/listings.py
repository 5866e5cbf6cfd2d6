"""Reading rounds: one round as a viewer sees it, and the lists of rounds a player hosts, holds
or could join. Whether a claim still takes a spot is computed from its timestamps."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db
from app.following.services import followed_by, is_following
from app.identity.models import User
from app.profiles import geo
from app.profiles.editing import profile_for
from app.profiles.models import AvailabilitySlot
from app.profiles.search import Origin, bound_box, box_clause, box_parameters
from app.safety.services import visible_to
from app.teetimes.models import HELD, LAPSED, OFFERED, PASSED, PENDING, WAITING, Claim, TeeTime, WaitlistEntry

NEARBY_LIMIT = 50


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
    my_entry: WaitlistEntry | None = None
    #: waitlisted players still waiting for a spot
    waiting: int = 0
    #: the viewer's place among them (1: next), when they wait
    place: int | None = None

    @property
    def my_entry_status(self) -> str | None:
        return self.my_entry.status(self.now) if self.my_entry is not None else None

    @property
    def can_join_waitlist(self) -> bool:
        return (
            self.visible and self.open and not self.is_host and self.spots_left == 0
            and self.my_status in (None, LAPSED) and self.my_entry_status in (None, PASSED)
        )

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


def claims_of(tee_time: TeeTime) -> list[Claim]:
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
    claims = claims_of(tee_time)
    mine = next((c for c in claims if viewer.is_authenticated and c.user_id == viewer.id), None)
    players = [c for c in claims if c.status(now) in (HELD, PENDING)]
    line = list(db.session.scalars(
        sa.select(WaitlistEntry).where(WaitlistEntry.tee_time_id == tee_time.id)
        .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
    ))
    my_entry = next((e for e in line if viewer.is_authenticated and e.user_id == viewer.id), None)
    # A spot held for someone else on the waitlist is not open to this viewer.
    held = sum(1 for e in line if e.status(now) == OFFERED and e is not my_entry)
    waiting = [e for e in line if e.status(now) == WAITING]
    view = RoundView(
        tee_time=tee_time, now=now, visible=can_see(viewer, tee_time, mine), players=players,
        lapsed=[c for c in claims if c.status(now) == LAPSED],
        spots_left=max(0, tee_time.spots - len(players) - held), my_claim=mine,
        is_host=viewer.is_authenticated and viewer.id == tee_time.host_id,
        my_entry=my_entry, waiting=len(waiting),
        place=waiting.index(my_entry) + 1 if my_entry in waiting else None,
    )
    if view.closed and not view.cancelled and (view.is_host or view.my_status == HELD):
        everyone = [tee_time.host] + [c.user for c in players if c.status(now) == HELD]
        view.bump_targets = [user for user in everyone if user.id != viewer.id]
    return view


def live_counts(tee_time_ids: list[int], now: datetime) -> dict[int, int]:
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
    """Spots anyone may claim: not taken by a claim, not held for the waitlist."""
    now = now or utcnow()
    live = live_counts([tee_time.id], now).get(tee_time.id, 0)
    held = db.session.scalar(
        sa.select(sa.func.count(WaitlistEntry.id))
        .where(WaitlistEntry.tee_time_id == tee_time.id, WaitlistEntry.holding(now))
    ) or 0
    return max(0, tee_time.spots - live - held)


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
    counts = live_counts([t.id for t in hosting] + [t.id for t, _ in joined], now)
    rows = [RoundRow(t, max(0, t.spots - counts.get(t.id, 0)), "hosting") for t in hosting]
    rows += [RoundRow(t, max(0, t.spots - counts.get(t.id, 0)), c.status(now)) for t, c in joined]
    return sorted(rows, key=lambda row: (row.tee_time.starts_at, row.tee_time.id))


def open_near(user: User, limit: int = NEARBY_LIMIT) -> list[RoundRow]:
    """Upcoming rounds with a free spot that I could join: any round of a player I follow,
    and link rounds hosted within my radius; soonest first."""
    now = utcnow()
    me = profile_for(user)
    followed = followed_by(user.id)
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
            visible_to(user.id, TeeTime.host_id),
        )
        .order_by(TeeTime.starts_at, TeeTime.id)
        .limit(limit * 4)
    ).all()
    counts = live_counts([t.id for t, _ in candidates], now)
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


@dataclass
class HomeRounds:
    """The home page's rounds: the player's next one (with its players) and open ones near them."""

    next_round: RoundRow | None
    players: list[str]
    nearby: list[RoundRow]


def home_rounds(user: User, limit: int) -> HomeRounds:
    """In one query: the next round the player hosts or holds (or awaits) a spot in, with its
    players' names; and up to ``limit`` upcoming rounds with an open spot, hosted within the
    player's radius (a link round, or a followers round of someone they follow), on a day and
    part of day they marked free, never their own nor those of players a block stands between
    them and, nor ones they left the host's hands in (removed) or already joined."""
    me = profile_for(user)
    params: dict[str, Any] = {"now": utcnow(), "me": user.id, "nearby_rows": limit * 2}
    origin = None
    if me.latitude is not None and me.longitude is not None:
        origin = Origin(me.latitude, me.longitude, me.zip or "")
        params.update(box_parameters(origin, me.radius_miles))
    rows = db.session.execute(_home_rounds_statement(origin is not None), params).all()
    found = HomeRounds(None, [], [])
    for tee_time, row_kind, row_taken, row_names in rows:
        left = max(0, tee_time.spots - int(row_taken or 0))
        if row_kind == 0:
            role = "hosting" if tee_time.host_id == user.id else "joined"
            found.next_round = RoundRow(tee_time, left, role)
            found.players = sorted(row_names.split(",")) if row_names else []
            continue
        if origin is None or tee_time.latitude is None or tee_time.longitude is None:
            continue
        distance = geo.haversine_miles(
            origin.latitude, origin.longitude, tee_time.latitude, tee_time.longitude
        )
        if distance <= me.radius_miles and len(found.nearby) < limit:
            found.nearby.append(RoundRow(tee_time, left, "open", distance))
    return found


@functools.cache
def _home_rounds_statement(located: bool) -> sa.Select[Any]:
    """``home_rounds``'s statement, built once for players with a home point and once for those
    without (every home page runs it; building it cost more than running it), and run with the
    time, the player's id and box as parameters (``box_parameters``)."""
    now = sa.bindparam("now", type_=sa.DateTime)
    me = sa.bindparam("me", type_=sa.Integer)
    host = so.aliased(User, name="host")
    player = so.aliased(User, name="player")
    taken = (
        sa.select(sa.func.count(Claim.id)).join(player, player.id == Claim.user_id)
        .where(Claim.tee_time_id == TeeTime.id, Claim.live(now), player.deactivated_at.is_(None))
        .correlate(TeeTime).scalar_subquery()
    )
    held = (
        sa.select(sa.func.count(WaitlistEntry.id))
        .where(WaitlistEntry.tee_time_id == TeeTime.id, WaitlistEntry.holding(now))
        .correlate(TeeTime).scalar_subquery()
    )
    mine = sa.or_(TeeTime.host_id == me, sa.exists().where(
        Claim.tee_time_id == TeeTime.id, Claim.user_id == me, Claim.live(now),
    ))
    nearby: sa.ColumnElement[bool] = sa.false()
    if located:
        nearby = sa.and_(
            bound_box(TeeTime.latitude, TeeTime.longitude),
            sa.or_(TeeTime.visibility == "link", TeeTime.host_id.in_(followed_by(me))),
            ~sa.exists().where(
                Claim.tee_time_id == TeeTime.id, Claim.user_id == me,
                sa.or_(Claim.removed_at.is_not(None), Claim.live(now)),
            ),
            sa.exists().where(
                AvailabilitySlot.user_id == me, AvailabilitySlot.day == TeeTime.local_day,
                AvailabilitySlot.slot == TeeTime.day_slot,
            ),
            visible_to(me, TeeTime.host_id),
            taken + held < TeeTime.spots,
        )
    kind = sa.case((mine, 0), else_=1)
    candidates = (
        sa.select(
            TeeTime.id.label("id"), kind.label("kind"), (taken + held).label("taken"),
            sa.func.row_number()
            .over(partition_by=kind, order_by=(TeeTime.starts_at, TeeTime.id)).label("place"),
        )
        .join(host, host.id == TeeTime.host_id)
        .where(
            TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None), host.deactivated_at.is_(None),
            sa.or_(mine, sa.and_(TeeTime.host_id != me, nearby)),
        )
        .subquery()
    )
    names = (
        sa.select(sa.func.aggregate_strings(player.username, ","))
        .select_from(Claim).join(player, player.id == Claim.user_id)
        .where(Claim.tee_time_id == TeeTime.id, Claim.live(now), player.deactivated_at.is_(None))
        .correlate(TeeTime).scalar_subquery()
    )
    # Twice as many nearby rounds as shown: the box's corners are further than the radius.
    nearby_rows = sa.bindparam("nearby_rows", type_=sa.Integer)
    return (
        sa.select(TeeTime, candidates.c.kind, candidates.c.taken, names)
        .join(candidates, candidates.c.id == TeeTime.id)
        .options(so.joinedload(TeeTime.host))
        .where(sa.or_(
            sa.and_(candidates.c.kind == 0, candidates.c.place == 1),
            sa.and_(candidates.c.kind == 1, candidates.c.place <= nearby_rows),
        ))
        .order_by(candidates.c.kind, TeeTime.starts_at, TeeTime.id)
    )

"""Matching: players near me who are free when I am, and the home timeline's read-only
suggestions."""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.core.pagination import page_with_total
from app.extensions import db
from app.identity.models import User
from app.profiles import geo, nearest
from app.profiles.availability import window
from app.profiles.editing import profile_for
from app.profiles.models import SLOTS, AvailabilitySlot, Profile
from app.profiles.search import (
    PER_PAGE,
    Origin,
    PlayerPage,
    PlayerRow,
    distance_between,
    load_rows,
    player_row,
    profile_box,
)
from app.safety.services import quiet_for, shows_distance, visible_to

#: PostgreSQL: how many of the nearest players within the radius the timeline's suggestions
#: choose from (``nearest.players_pool``: a KNN walk that stops there): a few hundred players to
#: pick the newest or the closest handicaps from.
NEARBY_POOL = 200

#: PostgreSQL: how many of the nearest players within the radius /players/match ranks by shared
#: slots (``_ranked_in_sql``; ``nearest.players_pool``: a KNN walk that stops there). Chosen by
#: bench/match_bench.py (1M players, New York, radius 25): the walk costs about 5 microseconds a
#: player, so 1,000 keeps page 1 near the 20 ms goal where 2,000 did not; some 15 % of them are
#: free together with a typical viewer (140-200 players).
MATCH_POOL = 1000


def match_players(user: User, page: int = 1) -> PlayerPage:
    """Players within my radius who are free when I am in the coming two weeks: most shared
    slots first, then the nearest, then the closest handicap.

    On PostgreSQL they are ranked among the ``MATCH_POOL`` players nearest to me within the
    radius (everyone in it where fewer live there), so the work is bounded however dense the
    metro; SQLite ranks everyone in the radius (the bounding box)."""
    me = profile_for(user)
    if me.latitude is None or me.longitude is None:
        return PlayerPage(rows=[], total=0, page=page)
    days = window(user)
    if nearest.uses_knn():
        return _ranked_in_sql(user, me, days, page)
    origin = Origin(me.latitude, me.longitude, me.zip or "")
    mine = so.aliased(AvailabilitySlot, name="mine")
    theirs = so.aliased(AvailabilitySlot, name="theirs")
    def overlap(*columns: Any) -> sa.Select[Any]:
        return (
            sa.select(*columns)
            .select_from(mine)
            .join(
                theirs, sa.and_(theirs.day == mine.day, theirs.slot == mine.slot, theirs.user_id != user.id)
            )
            .join(Profile, Profile.user_id == theirs.user_id)
            .join(User, User.id == theirs.user_id)
            .where(
                mine.user_id == user.id,
                mine.day.between(days[0], days[-1]),
                User.deactivated_at.is_(None),
                visible_to(user.id, theirs.user_id),
            )
        )

    counts = db.session.execute(
        overlap(theirs.user_id, Profile.latitude, Profile.longitude, Profile.handicap, sa.func.count())
        .where(profile_box(origin, me.radius_miles))
        .group_by(theirs.user_id, Profile.latitude, Profile.longitude, Profile.handicap)
    )

    def closeness(handicap: float | None) -> float:
        if handicap is None or me.handicap is None:
            return math.inf
        return abs(handicap - me.handicap)

    ranked = sorted(
        (-shared, distance, closeness(handicap), other_id)
        for other_id, lat, lon, handicap, shared in counts
        if (distance := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= me.radius_miles
    )
    chosen = ranked[(page - 1) * PER_PAGE : page * PER_PAGE]
    loaded = load_rows([other_id for *_, other_id in chosen])
    rows = [
        player_row(loaded[other_id][0], loaded[other_id][1], distance, loaded[other_id][2])
        for _, distance, _, other_id in chosen
        if other_id in loaded
    ]
    _add_shared_slots(rows, overlap, theirs)
    return PlayerPage(rows=rows, total=len(ranked), page=page)


def _ranked_in_sql(user: User, me: Profile, days: list[date], page: int) -> PlayerPage:
    """PostgreSQL: the ranking and the page in SQL, with the same keys as the Python path (most
    shared slots, nearest, closest handicap, id), among the ``MATCH_POOL`` players nearest to
    the viewer within the radius (``nearest.players_pool``), however many players live in a
    metro's radius. Where the radius holds fewer players than the pool, that is everyone in
    it, as on the Python path. The total counts the pool's players free together with the
    viewer (exact up to ``COUNT_CAP``, "200+" beyond); each row's shared slots come in the same
    statement."""
    params = {"me": user.id, "lat": me.latitude, "lon": me.longitude, "radius": me.radius_miles,
              "handicap": me.handicap, "first": days[0], "last": days[-1], "pool": MATCH_POOL}
    found, total = page_with_total(
        lambda offset, limit: db.session.execute(
            _match_statement(), {**params, "offset": offset, "limit": limit}
        ).all(),
        page, PER_PAGE,
    )
    rows = []
    for other, profile, shows, miles, _, shared_days, shared_slots in found:
        shared = _in_calendar_order(zip(shared_days, shared_slots, strict=True))
        rows.append(player_row(other, profile, miles, bool(shows), shared))
    return PlayerPage(rows=rows, total=total, page=page)


@functools.cache
def _match_statement() -> sa.Select[Any]:
    """``_ranked_in_sql``'s statement, built once with bound parameters. Their slots are matched
    against an array of mine (one InitPlan) rather than a join: PostgreSQL plans it in 2 ms
    instead of 7, and no misjudged pool size can make it probe my slots once for each of
    theirs."""
    me = sa.bindparam("me", type_=sa.Integer)
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    lat, lon = sa.bindparam("lat", type_=sa.Double), sa.bindparam("lon", type_=sa.Double)
    pool = nearest.players_pool(lat, lon, sa.bindparam("pool", type_=sa.Integer), "pool", Profile.handicap)
    mine = so.aliased(AvailabilitySlot, name="mine")
    theirs = so.aliased(AvailabilitySlot, name="theirs")

    def pair(slot: Any) -> sa.ColumnElement[str]:
        return sa.cast(slot.day, sa.String) + slot.slot

    # An array (the cast makes it one value: ``= ANY (SELECT ...)`` would compare with rows).
    my_pairs = sa.cast(
        sa.select(sa.func.array_agg(pair(mine)))
        .where(mine.user_id == me, mine.day.between(first, last))
        .scalar_subquery(),
        sa.ARRAY(sa.String),
    )
    # Each pool player's slots shared with mine, in a LATERAL aggregate: the pool drives the
    # statement (its size is misjudged: a place's players look like one or two), and with
    # nothing but anti-joins beside it PostgreSQL cannot put it on the inner side of a loop
    # and walk it again for every row of another table.
    theirs_shared = (
        sa.select(sa.func.count().label("shared"), sa.func.array_agg(theirs.day).label("days"),
                  sa.func.array_agg(theirs.slot).label("slots"))
        .where(theirs.user_id == pool.c.user_id, theirs.day.between(first, last),
               pair(theirs) == sa.any_(my_pairs))
        .lateral("theirs_shared")
    )
    distance = nearest.distance_miles(pool.c.latitude, pool.c.longitude, lat, lon)
    closeness = sa.func.abs(pool.c.handicap - sa.bindparam("handicap", type_=sa.Double))
    ranked = (
        sa.select(
            pool.c.user_id, theirs_shared.c.shared, distance.label("distance"), closeness.label("closeness"),
            sa.func.count().over().label("total"), theirs_shared.c.days, theirs_shared.c.slots,
        )
        .select_from(pool)
        .join(theirs_shared, sa.true())
        .where(
            theirs_shared.c.shared > 0,
            distance <= sa.bindparam("radius", type_=sa.Double),
            pool.c.user_id != me,
            ~sa.exists().where(User.id == pool.c.user_id, User.deactivated_at.is_not(None)),
            visible_to(me, pool.c.user_id),
        )
        .order_by(theirs_shared.c.shared.desc(), distance, closeness.asc().nulls_last(), pool.c.user_id)
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .subquery("ranked")
    )
    return (
        sa.select(User, Profile, shows_distance(User.id), ranked.c.distance, ranked.c.total,
                  ranked.c.days, ranked.c.slots)
        .join(Profile, Profile.user_id == User.id)
        .join(ranked, ranked.c.user_id == User.id)
        .order_by(ranked.c.shared.desc(), ranked.c.distance, ranked.c.closeness.asc().nulls_last(),
                  ranked.c.user_id)
    )


def _add_shared_slots(rows: list[PlayerRow], overlap: Any, theirs: Any) -> None:
    """Each row's shared (day, slot) pairs, in calendar order: one query for the page."""
    by_id: dict[int, list[tuple[date, str]]] = {row.user.id: row.shared for row in rows}
    if not by_id:
        return
    for other_id, day, slot in db.session.execute(
        overlap(theirs.user_id, theirs.day, theirs.slot)
        .where(theirs.user_id.in_(list(by_id)))
        .order_by(theirs.day, theirs.slot)
    ):
        by_id[other_id].append((day, slot))
    for slots in by_id.values():  # the rows' own lists, in place
        slots[:] = _in_calendar_order(slots)


def _in_calendar_order(pairs: Iterable[tuple[date, str]]) -> list[tuple[date, str]]:
    """(day, slot) pairs by day, then the slots in the day's order (morning first)."""
    return sorted(pairs, key=lambda pair: (pair[0], SLOTS.index(pair[1])))


@dataclass
class Nearby:
    """The timeline's players near a player (``players_near``)."""

    #: the newest sign-ups since the given time, newest first
    newcomers: list[PlayerRow]
    #: the closest handicaps to the player's, closest first (the newest accounts first when
    #: the player has no handicap)
    closest: list[PlayerRow]


def players_near(user: User, *, joined_since: datetime, newcomers: int, closest: int,
                 exclude_ids: Collection[int] = ()) -> Nearby:
    """Active players within the user's travel radius: up to ``newcomers`` of those who joined
    since ``joined_since``, newest first, and up to ``closest`` with the handicaps closest to
    the user's (a player may be in both). Players the user blocked, muted or was blocked by are
    left out, and ``exclude_ids`` (timeline suggestions).

    On PostgreSQL both come from the ``NEARBY_POOL`` players nearest to the user within the
    radius (the KNN walk over ``player_places`` reads just those, however many players live in
    a metro's radius), ranked both ways in one statement built once and run with the player's
    figures as parameters. SQLite reads the bounding box, once for each order."""
    me = profile_for(user)
    if me.latitude is None or me.longitude is None:
        return Nearby([], [])
    exclude = list(exclude_ids)
    order = "handicap" if me.handicap is not None else "id"
    if nearest.uses_knn():
        return _nearby_in_sql(user, me, order, joined_since, newcomers, closest, exclude)
    origin = Origin(me.latitude, me.longitude, me.zip or "")
    return Nearby(_near_in_box(user, me, origin, "newest", newcomers, exclude, joined_since),
                  _near_in_box(user, me, origin, order, closest, exclude))


def _nearby_in_sql(user: User, me: Profile, order: str, joined_since: datetime, newcomers: int,
                   closest: int, exclude: list[int]) -> Nearby:
    found = db.session.execute(_nearby_statement(order), {
        "lat": me.latitude, "lon": me.longitude, "radius": float(me.radius_miles), "me": user.id,
        "exclude": exclude, "since": joined_since, "handicap": me.handicap, "pool": NEARBY_POOL,
        "newcomers": newcomers, "closest": closest,
    }).all()
    by_newest: list[tuple[int, PlayerRow]] = []
    by_closest: list[tuple[int, PlayerRow]] = []
    for other, profile, shows, miles, newest_rank, closest_rank in found:
        row = player_row(other, profile, miles, bool(shows))
        if newest_rank <= newcomers and other.created_at >= joined_since:
            by_newest.append((newest_rank, row))
        if closest_rank <= closest:
            by_closest.append((closest_rank, row))
    return Nearby(_by_rank(by_newest), _by_rank(by_closest))


def _by_rank(ranked: list[tuple[int, PlayerRow]]) -> list[PlayerRow]:
    return [row for _, row in sorted(ranked, key=lambda pair: pair[0])]


def _near_in_box(user: User, me: Profile, origin: Origin, order: str, limit: int, exclude: list[int],
                 joined_since: datetime | None = None) -> list[PlayerRow]:
    """SQLite: up to ``limit`` players in the radius in one order, from the bounding box."""
    query = (
        sa.select(User, Profile, shows_distance(User.id))
        .join(Profile, Profile.user_id == User.id)
        .where(profile_box(origin, me.radius_miles), *_near_conditions(user.id, exclude))
    )
    if joined_since is not None:
        query = query.where(User.created_at >= joined_since)
    query = query.order_by(*_near_order(order, me.handicap))
    rows = []
    # The box holds more than the circle: the exact distance cuts its corners.
    for other, profile, shows in db.session.execute(query.limit(limit * 4)):
        distance = distance_between(me, profile)
        if distance is not None and distance <= me.radius_miles:
            rows.append(player_row(other, profile, distance, bool(shows)))
    return rows[:limit]


def _near_conditions(me: Any, exclude: Any) -> list[sa.ColumnElement[bool]]:
    """Active, not the player, nobody a block or mute stands between, none of ``exclude``."""
    return [User.deactivated_at.is_(None), User.id != me, quiet_for(me, User.id), User.id.not_in(exclude)]


def _near_order(order: str, handicap: Any, theirs: Any = Profile.handicap) -> list[Any]:
    """ORDER BY terms: "newest" sign-ups, the "handicap" in ``theirs`` closest to ``handicap``
    (players without one last), or the newest accounts ("id", for a player without one)."""
    if order == "newest":
        return [User.created_at.desc(), User.id.desc()]
    if order == "handicap":
        return [theirs.is_(None), sa.func.abs(theirs - handicap), User.id]
    return [User.id.desc()]


@functools.cache
def _nearby_statement(order: str) -> sa.Select[Any]:
    """PostgreSQL: ``players_near``'s statement for one order of the closest (``_near_order``:
    "handicap", or "id" for a player without one), built once (its construction cost more than
    running it). The pool of the nearest players with their points and handicaps (from the
    index: no player's row), cut to the radius, the filters (each pool player's account row)
    and both ranks among them; then the players and profiles of those within either limit."""
    lat, lon = sa.bindparam("lat", type_=sa.Double), sa.bindparam("lon", type_=sa.Double)
    me = sa.bindparam("me", type_=sa.Integer)
    handicap = sa.bindparam("handicap", type_=sa.Double)
    pool = nearest.players_pool(lat, lon, sa.bindparam("pool", type_=sa.Integer), "pool", Profile.handicap)
    miles = nearest.distance_miles(pool.c.latitude, pool.c.longitude, lat, lon)
    closest = _near_order(order, handicap, pool.c.handicap)
    ranked = (
        sa.select(
            User.id.label("user_id"), miles.label("miles"),
            sa.func.row_number().over(order_by=_near_order("newest", None)).label("newest"),
            sa.func.row_number().over(order_by=closest).label("closest"),
        )
        .select_from(pool)
        .join(User, User.id == pool.c.user_id)
        .where(miles <= sa.bindparam("radius", type_=sa.Double),
               *_near_conditions(me, sa.bindparam("exclude", expanding=True)))
        .subquery("ranked")
    )
    since = sa.bindparam("since", type_=sa.DateTime)
    return (
        sa.select(User, Profile, shows_distance(User.id), ranked.c.miles, ranked.c.newest, ranked.c.closest)
        .join(Profile, Profile.user_id == User.id)
        .join(ranked, ranked.c.user_id == User.id)
        .where(sa.or_(
            sa.and_(ranked.c.newest <= sa.bindparam("newcomers", type_=sa.Integer), User.created_at >= since),
            ranked.c.closest <= sa.bindparam("closest", type_=sa.Integer),
        ))
    )


def free_together(user: User, other_ids: Collection[int], limit: int) -> list[PlayerRow]:
    """Of ``other_ids``, the active players free on days the user is free in the coming two
    weeks: most such slots first, each with their (day, slot) pairs on those days. Two queries."""
    if not other_ids:
        return []
    days = window(user)
    pairs = db.session.execute(_free_together_statement(), {
        "me": user.id, "first": days[0], "last": days[-1], "others": list(other_ids),
    }).all()
    shared: dict[int, list[tuple[date, str]]] = {}
    for other_id, day, slot in pairs:
        shared.setdefault(other_id, []).append((day, slot))
    ranked = sorted(shared, key=lambda other_id: (-len(shared[other_id]), shared[other_id][0][0], other_id))
    loaded = load_rows(ranked[:limit])
    me = profile_for(user)
    rows = []
    for other_id in ranked[:limit]:
        if other_id in loaded and loaded[other_id][0].is_active:
            other, profile, shows = loaded[other_id]
            slots = _in_calendar_order(shared[other_id])
            rows.append(player_row(other, profile, distance_between(me, profile), shows, shared=slots))
    return rows


@functools.cache
def _free_together_statement() -> sa.Select[int, date, str]:
    """``free_together``'s pairs, built once (every home page runs it) and run with the
    player's id, window and the others' ids as parameters."""
    me = sa.bindparam("me", type_=sa.Integer)
    mine = so.aliased(AvailabilitySlot, name="mine")
    theirs = so.aliased(AvailabilitySlot, name="theirs")
    return (
        sa.select(theirs.user_id, theirs.day, theirs.slot)
        .distinct()
        .select_from(mine)
        .join(theirs, theirs.day == mine.day)
        .where(
            mine.user_id == me,
            mine.day.between(sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)),
            theirs.user_id.in_(sa.bindparam("others", expanding=True, type_=sa.Integer)),
            quiet_for(me, theirs.user_id),
        )
        .order_by(theirs.day, theirs.user_id)
    )

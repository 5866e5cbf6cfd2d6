"""Partner search: filters, then the players within a radius nearest first. On PostgreSQL the
database does it all (a KNN index, ``nearest``); on SQLite a bounding box on indexed coordinates
picks the candidates and exact great-circle distances filter and order them in Python."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.core.pagination import COUNT_CAP, Paginated, capped_count, page_with_total
from app.core.search import contains
from app.extensions import db
from app.identity.models import User
from app.profiles import geo, nearest
from app.profiles.models import Profile
from app.safety.services import shows_distance, visible_to

PER_PAGE = 20


@dataclass
class PlayerRow:
    user: User
    profile: Profile
    distance: float | None
    shared: list[tuple[date, str]] = field(default_factory=list)
    #: the player hides their distance: pages say "nearby", and ``distance`` is None
    nearby: bool = False


def player_row(user: User, profile: Profile, distance: float | None, shows: bool,
               shared: list[tuple[date, str]] | None = None) -> PlayerRow:
    """A row as other players may see it: the figure never leaves the service when the player
    turned ``show_distance`` off."""
    if not shows:
        return PlayerRow(user, profile, None, shared or [], nearby=distance is not None)
    return PlayerRow(user, profile, distance, shared or [])


@dataclass
class PlayerPage(Paginated):
    rows: list[PlayerRow]
    total: int
    page: int
    per_page: int = PER_PAGE
    cap: int | None = COUNT_CAP


@dataclass
class Origin:
    latitude: float
    longitude: float
    label: str


@dataclass
class SearchCriteria:
    q: str = ""
    origin: Origin | None = None
    radius: float | None = None
    handicap_min: float | None = None
    handicap_max: float | None = None
    mobility: int = 0
    drinking: int = 0
    page: int = 1


def box_clause(latitude: Any, longitude: Any, origin: Origin, radius: float) -> sa.ColumnElement[bool]:
    """The bounding box of ``radius`` miles around ``origin`` as a condition on two indexed
    coordinate columns (split at the antimeridian). Other areas' tables use it too."""
    box = box_parameters(origin, radius)
    lat = latitude.between(box["south"], box["north"])
    if box["crosses"]:
        lon = sa.or_(longitude >= box["west"], longitude <= box["east"])
    else:
        lon = longitude.between(box["west"], box["east"])
    return sa.and_(lat, lon)


def box_parameters(origin: Origin, radius: float) -> dict[str, Any]:
    """The bounding box of ``box_clause`` and ``bound_box``: its latitudes, and its west and
    east longitudes on the map's [-180, 180], with whether it crosses the antimeridian."""
    box = geo.bounding_box(origin.latitude, origin.longitude, radius)
    west, east = box.min_lon, box.max_lon
    crosses = west < -180 or east > 180
    if west < -180:
        west += 360
    elif east > 180:
        east -= 360
    return {"south": box.min_lat, "north": box.max_lat, "west": west, "east": east, "crosses": crosses}


def bound_box(latitude: Any, longitude: Any) -> sa.ColumnElement[bool]:
    """``box_clause`` with bound parameters (``box_parameters``), one shape for every box, for
    a statement built once and run with each player's figures."""
    def figure(name: str) -> sa.BindParameter[float]:
        return sa.bindparam(name, type_=sa.Double)

    west, east = figure("west"), figure("east")
    crosses = sa.bindparam("crosses", type_=sa.Boolean)
    return sa.and_(
        latitude.between(figure("south"), figure("north")),
        sa.or_(
            sa.and_(~crosses, longitude.between(west, east)),
            sa.and_(crosses, sa.or_(longitude >= west, longitude <= east)),
        ),
    )


def profile_box(origin: Origin, radius: float) -> sa.ColumnElement[bool]:
    return box_clause(Profile.latitude, Profile.longitude, origin, radius)


def _distance(origin: Origin | None, profile_lat: float | None, profile_lon: float | None) -> float | None:
    if origin is None or profile_lat is None or profile_lon is None:
        return None
    return geo.haversine_miles(origin.latitude, origin.longitude, profile_lat, profile_lon)


def distance_between(one: Profile, other: Profile) -> float | None:
    """Miles between two players' home zips, when both have one."""
    if one.latitude is None or one.longitude is None:
        return None
    return _distance(Origin(one.latitude, one.longitude, ""), other.latitude, other.longitude)


def load_rows(ids: list[int]) -> dict[int, tuple[User, Profile, bool]]:
    """id → (user, profile, whether they show their distance), one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User, Profile, shows_distance(User.id))
        .join(Profile, Profile.user_id == User.id).where(User.id.in_(ids))
    )
    return {user.id: (user, profile, bool(shows)) for user, profile, shows in rows}


def search_conditions(viewer: User, criteria: SearchCriteria) -> list[sa.ColumnElement[bool]]:
    """The filters every search path applies (not the distance): active, not me, no block
    either way, the name, handicap and trait filters."""
    conditions: list[sa.ColumnElement[bool]] = [
        User.deactivated_at.is_(None), User.id != viewer.id, visible_to(viewer.id, User.id),
    ]
    if criteria.q:
        conditions.append(contains(criteria.q, User.username, sa.func.lower(Profile.display_name)))
    if criteria.handicap_min is not None:
        conditions.append(Profile.handicap >= criteria.handicap_min)
    if criteria.handicap_max is not None:
        conditions.append(Profile.handicap <= criteria.handicap_max)
    # 0 is "no preference": someone without one is happy either way, so they match too.
    if criteria.mobility:
        conditions.append(Profile.mobility.in_((0, criteria.mobility)))
    if criteria.drinking:
        conditions.append(Profile.drinking.in_((0, criteria.drinking)))
    return conditions


def search_players(viewer: User, criteria: SearchCriteria) -> PlayerPage:
    """Active players matching the filters, nearest first when a radius applies (ties by id).
    Two statements on every path: the total (exact up to ``COUNT_CAP``) and the page."""
    conditions = search_conditions(viewer, criteria)
    origin = criteria.origin
    if origin is not None and criteria.radius is not None:
        if nearest.uses_knn():
            return _nearest_in_sql(conditions, origin, criteria.radius, criteria.page)
        return _nearest_in_python(conditions, origin, criteria.radius, criteria.page)

    offset = (criteria.page - 1) * PER_PAGE
    base = sa.select(User.id).join(Profile, Profile.user_id == User.id).where(*conditions)
    total = capped_count(base, criteria.page, PER_PAGE)
    found = db.session.execute(
        sa.select(User, Profile, shows_distance(User.id)).join(Profile, Profile.user_id == User.id)
        .where(*conditions).order_by(User.username).offset(offset).limit(PER_PAGE)
    )
    rows = [
        player_row(user, profile, _distance(origin, profile.latitude, profile.longitude), bool(shows))
        for user, profile, shows in found
    ]
    return PlayerPage(rows=rows, total=total, page=criteria.page)


def _nearest_in_sql(conditions: list[sa.ColumnElement[bool]], origin: Origin, radius: float,
                    page: int) -> PlayerPage:
    """PostgreSQL: the KNN index cuts by radius and hands rows over nearest first (ties by id).
    One statement: the walk down the index (``nearest.walk_page``) gives the total (exact up to
    ``COUNT_CAP``, or one row past this page) and the page's players with their distances; a
    page past the end walks again for the total alone, for the pager."""
    offset = (page - 1) * PER_PAGE
    reach = max(COUNT_CAP + 1, offset + PER_PAGE + 1)

    def walked(offset: int, limit: int) -> Sequence[Any]:
        within = nearest.walk_page(
            Profile.user_id, Profile.latitude, Profile.longitude, origin.latitude, origin.longitude, radius,
            conditions, reach, offset, limit, join=(User, User.id == Profile.user_id),
        )
        return db.session.execute(
            sa.select(User, Profile, shows_distance(User.id), within.c.miles, within.c.total)
            .join(Profile, Profile.user_id == User.id)
            .join(within, within.c.key == User.id)
            .order_by(within.c.miles, within.c.key)
        ).all()

    found, total = page_with_total(walked, page, PER_PAGE)
    rows = [player_row(user, profile, miles, bool(shows)) for user, profile, shows, miles, _ in found]
    return PlayerPage(rows=rows, total=total, page=page)


def _nearest_in_python(conditions: list[sa.ColumnElement[bool]], origin: Origin, radius: float,
                       page: int) -> PlayerPage:
    """SQLite: the database returns only profiles inside the bounding box (an index range on
    latitude/longitude), and the exact great-circle distance filters and orders them."""
    candidates: Any = db.session.execute(
        sa.select(Profile.user_id, Profile.latitude, Profile.longitude)
        .join(User, User.id == Profile.user_id)
        .where(profile_box(origin, radius), *conditions)
    )
    scored = sorted(
        (distance, user_id)
        for user_id, lat, lon in candidates
        if (distance := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= radius
    )
    offset = (page - 1) * PER_PAGE
    chosen = scored[offset : offset + PER_PAGE]
    loaded = load_rows([user_id for _, user_id in chosen])
    rows = [
        player_row(loaded[user_id][0], loaded[user_id][1], distance, loaded[user_id][2])
        for distance, user_id in chosen
        if user_id in loaded
    ]
    return PlayerPage(rows=rows, total=len(scored), page=page)

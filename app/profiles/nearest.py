"""Nearest first in SQL on PostgreSQL: the contrib ``cube`` + ``earthdistance`` KNN search.

Migration ``0014k_knn_search`` indexes ``ll_to_earth(latitude, longitude)`` with GiST on
``profiles`` and ``courses``. A query then cuts by ``earth_box(origin, r) && point`` (the
point lies in the box: a cube overlap the index answers) and orders with the cube distance
operator ``point <-> origin`` (the straight-line chord through the earth, which grows with the
great-circle distance, so the order is the same): the index hands rows over nearest first and
``LIMIT`` stops after a page or a pool, however many players live in the box. The exact
great-circle distance cuts the box's corners after the walk (``walk_page``); a pool of the
nearest N players (``players_pool``) has no box at all, and its radius is cut outside it.

Players live at their zip's point, hundreds at each in a dense metro, and a walk over the
players' own index opens every page holding a point near the origin; ``players_pool`` walks
``player_places`` instead (migration ``0014m_player_places``: each point players live at and how
many do, kept by a trigger) and takes each place's players from the ``(latitude, longitude)``
index, which holds their user ids too: the nearest 1,000 players around New York in 0.6 ms
instead of 19-26.

Distances are the Python path's haversine miles (sphere of ``geo.EARTH_RADIUS_MILES``) written
in SQL, so both paths show and cut the same figures; the earth box is sized for the same angle
on the sphere of ``earth()`` metres the cube points live on.

SQLite has none of this: callers keep the bounding box and exact distances in Python there
(``uses_knn`` says which path runs).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.profiles import geo
from app.profiles.models import Profile

#: The GiST indexes the migrations make on PostgreSQL only (the models cannot declare an index
#: for one dialect; the schema comparison in tests and autogenerate leave these out).
KNN_INDEXES = frozenset({"ix_profiles_earth", "ix_courses_earth", "ix_player_places_earth"})

#: PostgreSQL only (``0014m_player_places``, kept by a trigger on ``profiles``): each point
#: players live at and how many of them do (0 once the last moved away). No model: SQLite has
#: no such table, and the schema comparison leaves it out too.
player_places = sa.table(
    "player_places",
    sa.column("latitude", sa.Double),
    sa.column("longitude", sa.Double),
    sa.column("players", sa.Integer),
)


def uses_knn() -> bool:
    """Whether the database answers nearest-first in SQL (PostgreSQL with the extensions)."""
    return db.session.get_bind().dialect.name == "postgresql"


def earth_point(latitude: Any, longitude: Any) -> sa.ColumnElement[Any]:
    return sa.func.ll_to_earth(latitude, longitude)


#: A figure given to ``distance_miles`` and ``nearest_first``: a number, or a bound parameter
#: of a statement built once and run with the numbers as parameters
#: (``sa.bindparam("lat", type_=sa.Double)``).
Figure = float | sa.BindParameter[float]


def _double(value: Figure) -> sa.ColumnElement[float]:
    return value if isinstance(value, sa.BindParameter) else sa.literal(value, sa.Double)


def _earth_metres(miles: float) -> sa.ColumnElement[float]:
    """``miles`` on our sphere as the same angle on ``earth()``'s sphere, in its metres."""
    return sa.literal(miles / geo.EARTH_RADIUS_MILES, sa.Double) * sa.func.earth()


def distance_miles(
    latitude: Any, longitude: Any, origin_lat: Figure, origin_lon: Figure
) -> sa.ColumnElement[float]:
    """The great-circle distance in miles from the origin to the row's point: the haversine
    formula of ``geo.haversine_miles`` in SQL (plain arithmetic: the ``earth`` domain's checks
    that ``ll_to_earth`` runs on every call would cost more than the rest of the row)."""
    f = sa.func
    dphi = f.radians(latitude - origin_lat) / 2
    dlambda = f.radians(longitude - origin_lon) / 2
    a = f.power(f.sin(dphi), 2) + f.cos(f.radians(_double(origin_lat))) * f.cos(
        f.radians(latitude)
    ) * f.power(f.sin(dlambda), 2)
    return 2 * sa.literal(geo.EARTH_RADIUS_MILES, sa.Double) * f.asin(f.least(1.0, f.sqrt(a)))


def in_earth_box(
    latitude: Any, longitude: Any, origin_lat: float, origin_lon: float, radius: float
) -> sa.ColumnElement[bool]:
    """The row's point lies in the cube box around the radius (the index's condition alone: a
    little more than the circle). Nearest first, every point inside the circle comes before
    any of the box's corners, so "the nearest N in the box, then the exact cut" is "the nearest
    N within the radius" with a simpler condition PostgreSQL estimates better."""
    origin = earth_point(origin_lat, origin_lon)
    # ``&&`` (overlap) rather than ``@>``: for a point the same rows, but PostgreSQL guesses it
    # keeps 0.5 % of a table instead of 0.1 %, and with the smaller guess it reads the whole box
    # into a bitmap and sorts it (seconds in New York at a million) whenever other filters or a
    # later page are added, instead of reading the index nearest first and stopping at the page.
    return sa.func.earth_box(origin, _earth_metres(radius)).op("&&")(earth_point(latitude, longitude))


def nearest_first(
    latitude: Any, longitude: Any, origin_lat: Figure, origin_lon: Figure
) -> sa.ColumnElement[Any]:
    """An ORDER BY term the GiST index serves (KNN): the cube distance to the origin."""
    return earth_point(latitude, longitude).op("<->", return_type=sa.Double)(
        earth_point(origin_lat, origin_lon)
    )


def players_pool(origin_lat: Figure, origin_lon: Figure, size: Any, name: str | None = None,
                 *columns: Any) -> sa.Subquery:
    """A subquery of the ``size`` players nearest the origin, whatever their distance (ties
    within a place in no given order): ``user_id``, the ``latitude`` and
    ``longitude`` they live at, and any further ``columns`` of ``Profile``. The nearest places
    with players, each place's players beside it (LATERAL: one probe of the profiles'
    ``(latitude, longitude)`` index a place, which holds the user id and handicap too, in the
    places' order, stopping at ``size``); ``size`` places with players hold at least ``size``
    players, so the places' own walk stops there too.

    No earth box on purpose: with one in the WHERE clause PostgreSQL guesses the box holds a
    fixed 0.5 % of the table, and wherever that guess is below ``size`` it reads the whole box
    and sorts it; without it the only plan is the walk, sparse places and dense ones alike.
    The caller cuts its radius outside."""
    away = nearest_first(player_places.c.latitude, player_places.c.longitude, origin_lat, origin_lon)
    places = (
        sa.select(player_places.c.latitude, player_places.c.longitude, away.label("away"))
        .where(player_places.c.players > 0)
        .order_by(away)
        .limit(size)
        .subquery("places")
    )
    # No place gives the pool more than ``size`` players; the LIMIT also keeps PostgreSQL from
    # flattening this into a join, which it may then hash over every profile where each of the
    # places holds a player or two.
    here = (
        sa.select(Profile.user_id, *columns)
        .where(Profile.latitude == places.c.latitude, Profile.longitude == places.c.longitude)
        .limit(size)
        .lateral("here")
    )
    return (
        sa.select(here, places.c.latitude, places.c.longitude)
        .select_from(places)
        .join(here, sa.true())
        .order_by(places.c.away)
        .limit(size)
        .subquery(name)
    )


def walk_page(
    key: Any, latitude: Any, longitude: Any, origin_lat: float, origin_lon: float, radius: float,
    conditions: list[sa.ColumnElement[bool]], reach: int, offset: int, limit: int,
    join: tuple[Any, Any] | None = None,
) -> sa.Subquery:
    """A subquery of one page of the rows within ``radius``, nearest first (ties by key), for a
    statement that loads the page's rows in the same trip: ``key``, ``miles`` (the order) and
    ``total`` (how many rows are within the radius among the ``reach`` nearest).

    One walk down the KNN index for the ``reach`` rows nearest the origin, then the exact
    distance cuts the radius: nearest first, every row inside the circle comes before any row
    outside. With ``conditions`` (filters that may skip many rows) the walk stays in the box
    (``in_earth_box``, alone in its WHERE clause with them), so a rare match cannot send it
    across the whole table; without, it needs no box, as it stops at ``reach`` rows anyway, and
    no box means no other plan: PostgreSQL guesses a box holds a fixed 0.5 % of the table, and
    where that is below ``reach`` (16,000 courses) it reads the whole box and sorts it. With
    the distance in the walk's WHERE clause it guesses fewer rows than the LIMIT and sorts the
    whole box too; with the key as a second ORDER BY term it would sort every row inside the
    radius, so the ``reach`` rows are put in order again by the miles (the same order) and the
    key. The walk's own distance is not selected: the index orders by it without handing it
    over, and computing it again costs ``ll_to_earth`` a row. The page is cut here, before the
    caller joins its tables: those read the page's rows only. ``join``: a (table, on clause)
    the conditions need."""
    miles = distance_miles(latitude, longitude, origin_lat, origin_lon)
    query = sa.select(key.label("key"), miles.label("miles"))
    if join is not None:
        query = query.join(*join)
    if conditions:
        query = query.where(in_earth_box(latitude, longitude, origin_lat, origin_lon, radius), *conditions)
    walked = (
        query.order_by(nearest_first(latitude, longitude, origin_lat, origin_lon))
        .limit(reach)
        .subquery("walked")
    )
    return (
        sa.select(walked, sa.func.count().over().label("total"))
        .where(walked.c.miles <= radius)
        .order_by(walked.c.miles, walked.c.key)
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """For Alembic's schema comparison: leave out the PostgreSQL-only KNN indexes and places."""
    return not ((type_ == "index" and name in KNN_INDEXES) or (type_ == "table" and name == "player_places"))

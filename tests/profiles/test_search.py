"""Partner search: filters, distance from a zip, pagination, and 422 for odd input."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.profiles import geo
from app.profiles.search import Origin, bound_box, box_clause, box_parameters
from tests.support import login


@pytest.fixture
def players(make_player):
    """Ann (SF) searches; the others live 0.6 to 350 miles away."""
    make_player("ann", zip="94103", handicap=10.0)
    make_player("cal", zip="94102", display_name="Cal Near", handicap=8.0, mobility=2, drinking=1)
    make_player("dee", zip="94607", display_name="Dee Oak", handicap=20.0, mobility=1, drinking=2)
    make_player("eve", zip="94301", display_name="Eve Alto", handicap=30.5)
    make_player("fay", zip="95814", display_name="Fay Sac", handicap=5.0)
    make_player("gus", zip="90012", display_name="Gus LA", handicap=15.0)
    make_player("hal", display_name="Hal Nowhere", handicap=12.0)


def names(page: str) -> list[str]:
    return re.findall(r'href="/u/([a-z0-9_]+)"><strong>', page)


def search(client, **params):
    return client.get("/players", query_string=params)


def test_search_needs_login(client):
    response = client.get("/players")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_near_and_radius_filter_by_exact_distance_nearest_first(client, players):
    login(client, "ann")
    response = search(client, near="94103", radius="30")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert names(page) == ["cal", "dee", "eve"]
    assert "0.6 mi away" in page and "7.5 mi away" in page and "26.9 mi away" in page
    assert names(search(client, near="94103", radius="10").get_data(as_text=True)) == ["cal", "dee"]
    assert names(search(client, near="90012", radius="5").get_data(as_text=True)) == ["gus"]


def test_near_without_radius_uses_25_miles(client, players):
    login(client, "ann")
    assert names(search(client, near="94103").get_data(as_text=True)) == ["cal", "dee"]


def test_without_near_my_home_zip_and_radius_apply(client, players):
    login(client, "ann")
    assert names(search(client).get_data(as_text=True)) == ["cal", "dee"]
    assert names(search(client, radius="100").get_data(as_text=True)) == ["cal", "dee", "eve", "fay"]


def test_name_search_spans_everyone_and_still_shows_distance(client, players):
    login(client, "ann")
    page = search(client, q="gus").get_data(as_text=True)
    assert names(page) == ["gus"] and "346.8 mi away" in page
    assert names(search(client, q="OAK").get_data(as_text=True)) == ["dee"]
    assert names(search(client, q="%").get_data(as_text=True)) == []
    assert names(search(client, q="_").get_data(as_text=True)) == []
    page = search(client, q="hal").get_data(as_text=True)
    assert names(page) == ["hal"] and "distance unknown" in page


def test_handicap_range_and_trait_filters(client, players):
    login(client, "ann")
    wide = {"near": "94103", "radius": "500"}
    assert names(search(client, handicap_min="6", handicap_max="20", **wide).get_data(as_text=True)) == [
        "cal",
        "dee",
        "gus",
    ]
    assert names(search(client, handicap_min="-10", handicap_max="5", **wide).get_data(as_text=True)) == [
        "fay"
    ]
    # 0 means no preference: those players suit either choice.
    assert names(search(client, mobility="walk", **wide).get_data(as_text=True)) == [
        "cal",
        "eve",
        "fay",
        "gus",
    ]
    assert names(search(client, mobility="ride", **wide).get_data(as_text=True)) == [
        "dee",
        "eve",
        "fay",
        "gus",
    ]
    assert names(search(client, drinking="no", **wide).get_data(as_text=True)) == ["cal", "eve", "fay", "gus"]
    assert names(search(client, drinking="2", **wide).get_data(as_text=True)) == ["dee", "eve", "fay", "gus"]


def test_deactivated_players_and_myself_are_not_listed(client, players):
    db.session.scalar(sa.select(User).where(User.username == "cal")).deactivated_at = utcnow()
    db.session.commit()
    login(client, "ann")
    assert names(search(client, near="94103", radius="30").get_data(as_text=True)) == ["dee", "eve"]


def test_results_are_paginated(client, make_player):
    make_player("ann", zip="94103")
    for n in range(25):
        make_player(f"p{n:02d}", zip="94110")
    login(client, "ann")
    first = search(client, near="94103").get_data(as_text=True)
    second = search(client, near="94103", page="2").get_data(as_text=True)
    assert len(names(first)) == 20 and len(names(second)) == 5
    assert not set(names(first)) & set(names(second))
    assert "25 players" in first and "Page 1 of 2" in first and "page=2" in first
    assert names(search(client, near="94103", page="9").get_data(as_text=True)) == []
    by_name = search(client, q="p", page="2").get_data(as_text=True)
    assert names(by_name) == [f"p{n:02d}" for n in range(20, 25)]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"radius": "1e309"}, "radius is a number of miles"),
        ({"radius": "nan"}, "radius is a number of miles"),
        ({"radius": "inf"}, "radius is a number of miles"),
        ({"radius": "-5"}, "radius is a number of miles"),
        ({"radius": "0"}, "radius is a number of miles"),
        ({"radius": "501"}, "radius is a number of miles"),
        ({"handicap_min": "abc"}, "A handicap is a number"),
        ({"handicap_max": "99"}, "between -10 and 54"),
        ({"handicap_min": "20", "handicap_max": "10"}, "must not be below"),
        ({"page": "-1"}, "Pages are numbered from 1"),
        ({"page": "0"}, "Pages are numbered from 1"),
        ({"page": "abc"}, "Pages are numbered from 1"),
        ({"page": "99999999999"}, "at most 6 characters"),
        ({"near": "00000"}, "We don&#39;t know the zip code"),
        ({"near": "hello"}, "We don&#39;t know the zip code"),
        ({"mobility": "fly"}, "Not a valid choice"),
        ({"drinking": "9"}, "Not a valid choice"),
        ({"q": "x" * 51}, "at most 50 characters"),
    ],
)
def test_bad_search_params_are_422_with_a_message(client, players, params, message):
    login(client, "ann")
    response = search(client, **params)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_radius_without_any_location_is_422(client, make_player):
    make_player("ann")
    login(client, "ann")
    response = search(client, radius="10")
    assert response.status_code == 422
    assert "Give a zip code to search around" in response.get_data(as_text=True)


def test_distance_search_uses_an_index_not_a_full_scan(app, client, players):
    """SQLite: the latitude/longitude bounding box; PostgreSQL: the earth box and the KNN order
    (tests/profiles/test_nearest.py shows the plan uses the GiST index)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        login(client, "ann")
        statements.clear()
        search(client, near="94103", radius="30")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    if db.engine.dialect.name == "postgresql":
        geo_queries = [s for s in statements if "earth_box(" in s]
        assert len(geo_queries) == 1, statements  # the walk: the capped total and the page's ids
        assert "ll_to_earth(profiles.latitude, profiles.longitude) <->" in geo_queries[0]
        assert "LIMIT" in geo_queries[0]
        return
    geo_queries = [s for s in statements if "profiles.latitude BETWEEN" in s]
    assert geo_queries, statements
    assert all("profiles.longitude BETWEEN" in s for s in geo_queries)


def test_profiles_have_a_latitude_longitude_index(app):
    indexes = sa.inspect(db.engine).get_indexes("profiles")
    assert any(index["column_names"] == ["latitude", "longitude"] for index in indexes)


# --- geography ----------------------------------------------------------------------------


def test_zip_lookup_is_offline_and_strict():
    place = geo.place_for_zip("10001")
    assert place is not None and place.city == "New York" and place.state == "NY"
    assert geo.place_for_zip("00000") is None
    assert geo.place_for_zip("1000") is None
    assert geo.place_for_zip("10001-0001") == place


def test_haversine_known_distance():
    # Los Angeles to New York City is about 2,450 miles.
    assert geo.haversine_miles(34.0522, -118.2437, 40.7128, -74.0060) == pytest.approx(2445, rel=0.01)
    assert geo.haversine_miles(40.0, -75.0, 40.0, -75.0) == 0


@given(
    lat=st.floats(min_value=-89, max_value=89),
    lon=st.floats(min_value=-179.9, max_value=179.9),
    radius=st.floats(min_value=1, max_value=500),
    bearing=st.floats(min_value=0, max_value=360),
    fraction=st.floats(min_value=0, max_value=0.999),
)
def test_every_point_within_the_radius_is_inside_the_box(lat, lon, radius, bearing, fraction):
    import math

    distance = radius * fraction
    angular = distance / geo.EARTH_RADIUS_MILES
    phi1, lambda1, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(angular) * math.cos(phi1),
        math.cos(angular) - math.sin(phi1) * math.sin(phi2),
    )
    lat2 = math.degrees(phi2)
    lon2 = (math.degrees(lambda2) + 540) % 360 - 180
    box = geo.bounding_box(lat, lon, radius)
    assert box.min_lat <= lat2 <= box.max_lat
    assert any(box.min_lon <= candidate <= box.max_lon for candidate in (lon2, lon2 - 360, lon2 + 360))


@pytest.mark.parametrize("origin_lon", [-179.5, -100.0, 0.0, 179.5])
@pytest.mark.parametrize(("origin_lat", "radius"), [(37.77, 25.0), (37.77, 200.0), (89.9, 50.0)])
def test_the_bound_box_keeps_the_same_points_as_the_literal_box(app, origin_lat, origin_lon, radius):
    """``bound_box`` (parameters, one shape for every box: statements built once) and
    ``box_clause`` (literal bounds) keep the same points, across the antimeridian and near a
    pole where the box spans every longitude."""
    origin = Origin(origin_lat, origin_lon, "")
    params = box_parameters(origin, radius)
    for lat in (origin_lat - 3, origin_lat, min(90.0, origin_lat + 0.2)):
        for lon in (-180.0, -179.9, -179.0, -100.0, -99.0, 0.0, 1.0, 179.0, 179.9, 180.0):
            at_lat, at_lon = sa.literal(lat, sa.Double), sa.literal(lon, sa.Double)
            literal = db.session.scalar(sa.select(box_clause(at_lat, at_lon, origin, radius)))
            bound = db.session.scalar(sa.select(bound_box(at_lat, at_lon)), params)
            assert bool(bound) == bool(literal), (lat, lon, params)

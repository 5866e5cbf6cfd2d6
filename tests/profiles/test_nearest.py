"""Nearest-first search in SQL (PostgreSQL's KNN index) against the bounding box + Python path
it replaced there: the same players in the same order, the index in the plan, totals capped at
"200+" on both dialects."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.profiles import geo, matching, nearest, search
from app.profiles.availability import window
from app.profiles.models import SLOTS, AvailabilitySlot, Profile
from app.profiles.search import Origin, SearchCriteria
from app.safety.models import Block
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_member
from tests.support import login

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="the KNN index is PostgreSQL's (services mode)"
)

NEW_YORK, SAN_FRANCISCO = "10001", "94103"


def _metro(code: str, miles: float) -> list[geo.Place]:
    centre = geo.place_for_zip(code)
    assert centre is not None
    return [
        p
        for p in geo.all_places()
        if geo.haversine_miles(centre.latitude, centre.longitude, p.latitude, p.longitude) < miles
    ]


def generate(count: int, seed: int = 20) -> User:
    """``count`` players: most around New York and San Francisco (many sharing a zip, so equal
    distances happen), the rest anywhere; some without a location, some deactivated. Returns
    the viewer (in New York), who blocked some and was blocked by some."""
    rng = random.Random(seed)
    viewer = make_member("viewer", zip=NEW_YORK)
    places, new_york, bay = geo.all_places(), _metro(NEW_YORK, 40), _metro(SAN_FRANCISCO, 60)
    now = utcnow()
    users, profiles = [], []
    first = viewer.id + 1
    for user_id in range(first, first + count):
        roll = rng.random()
        place = rng.choice(new_york if roll < 0.5 else bay if roll < 0.7 else places)
        located = rng.random() > 0.03
        users.append(
            {
                "id": user_id,
                "username": f"p{user_id}",
                "email": f"p{user_id}@test.test",
                "password_hash": "-",
                "role": "user",
                "session_token": f"{user_id:032x}",
                "created_at": now,
                "deactivated_at": now if rng.random() < 0.03 else None,
            }
        )
        profiles.append(
            {
                "user_id": user_id,
                "display_name": f"Player {rng.choice('abcdef')}",
                "handicap": round(rng.uniform(-5, 40), 1) if rng.random() > 0.1 else None,
                "zip": place.zip,
                "latitude": place.latitude if located else None,
                "longitude": place.longitude if located else None,
                "drinking": rng.randrange(3),
                "mobility": rng.randrange(3),
                "created_at": now,
                "updated_at": now,
            }
        )
    if not count:
        return viewer
    db.session.execute(sa.insert(User), users)
    db.session.execute(sa.insert(Profile), profiles)
    if db.engine.dialect.name == "postgresql":  # ids given explicitly: move the sequence past them
        db.session.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
    blocked = rng.sample(range(first, first + count), min(40, count // 10))
    db.session.execute(
        sa.insert(Block),
        [
            {"blocker_id": viewer.id, "blocked_id": other, "created_at": now}
            if n % 2
            else {"blocker_id": other, "blocked_id": viewer.id, "created_at": now}
            for n, other in enumerate(blocked)
        ],
    )
    db.session.commit()
    return viewer


def origin_of(code: str) -> Origin:
    place = geo.place_for_zip(code)
    assert place is not None
    return Origin(place.latitude, place.longitude, place.zip)


CASES = [
    SearchCriteria(origin=origin_of(NEW_YORK), radius=25),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=25, page=2),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=25, page=10),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=25, page=12),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=3, page=60),  # past the end: the total still
    SearchCriteria(origin=origin_of(NEW_YORK), radius=3),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=5, handicap_max=10),
    SearchCriteria(origin=origin_of(SAN_FRANCISCO), radius=8, mobility=1),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=10, handicap_min=5, handicap_max=20, mobility=2),
    SearchCriteria(origin=origin_of(NEW_YORK), radius=40, drinking=1, q="player a"),
    SearchCriteria(origin=origin_of("07030"), radius=12, page=3),  # Hoboken, across the river
    SearchCriteria(origin=origin_of(SAN_FRANCISCO), radius=30, page=4),
    SearchCriteria(origin=origin_of(SAN_FRANCISCO), radius=500, mobility=1, drinking=2, page=7),
    SearchCriteria(origin=origin_of("60601"), radius=500),  # Chicago: only the spread
    SearchCriteria(origin=origin_of("99501"), radius=100),  # Anchorage: maybe no one
]


def _both(viewer: User, criteria: SearchCriteria) -> tuple[search.PlayerPage, search.PlayerPage]:
    assert criteria.origin is not None and criteria.radius is not None
    conditions = search.search_conditions(viewer, criteria)
    in_sql = search._nearest_in_sql(conditions, criteria.origin, criteria.radius, criteria.page)
    in_python = search._nearest_in_python(conditions, criteria.origin, criteria.radius, criteria.page)
    return in_sql, in_python


def assert_same_up_to_ties(in_sql: list, in_python: list, criteria: SearchCriteria) -> None:
    """The same players in the same order, up to the order among players at the same distance
    (the KNN walk breaks ties by id among the rows it read, the Python path among all of them).
    At the page's edges a tie may also straddle the page, so there the players may differ, at
    that same distance."""
    distances = [row.distance for row in in_python]
    assert [row.distance for row in in_sql] == pytest.approx(distances, abs=1e-6), criteria
    edges = {round(d, 6) for d in distances[:1] + distances[-1:]}
    groups_sql: dict[float, set[int]] = {}
    groups_python: dict[float, set[int]] = {}
    for rows, groups in ((in_sql, groups_sql), (in_python, groups_python)):
        for row in rows:
            groups.setdefault(round(row.distance, 6), set()).add(row.user.id)
    assert groups_sql.keys() == groups_python.keys(), criteria
    for distance, ids in groups_python.items():
        if distance not in edges:
            assert groups_sql[distance] == ids, (criteria, distance)
    assert len({row.user.id for row in in_sql}) == len(in_sql)


@needs_postgres
def test_the_knn_path_gives_the_python_paths_results(app):
    viewer = generate(3000)
    seen_capped = seen_exact = seen_full_pages = 0
    for criteria in CASES:
        in_sql, in_python = _both(viewer, criteria)
        assert_same_up_to_ties(in_sql.rows, in_python.rows, criteria)
        assert all(row.distance is not None and row.distance <= criteria.radius for row in in_sql.rows)
        # the total as shown: exact up to 200, "200+" beyond; the pager agrees
        assert in_sql.total_label == in_python.total_label, criteria
        assert in_sql.has_next == in_python.has_next and in_sql.capped == in_python.capped, criteria
        if not in_python.capped:
            assert in_sql.total == in_python.total
        seen_capped += in_sql.capped
        seen_exact += not in_sql.capped and in_sql.total > 0
        seen_full_pages += len(in_sql.rows) == search.PER_PAGE
    # the data exercised the cases that matter
    assert seen_capped >= 3 and seen_exact >= 3 and seen_full_pages >= 5


def _statements_of(run) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return seen


def _plan(statement: str, parameters: dict) -> str:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
        return "\n".join(row[0] for row in rows)


@needs_postgres
def test_explain_analyze_shows_the_gist_index_read_nearest_first(app):
    viewer = generate(2000)
    # A dense metro, as the index is for: 40,000 more players within ~15 miles of New York
    # (one statement), so that the planner weighs the plans as it does at a million.
    db.session.execute(
        sa.text("""
        INSERT INTO users (id, username, email, password_hash, role, session_token, created_at)
        SELECT n, 'dense' || n, 'dense' || n || '@test.test', '-', 'user', lpad(to_hex(n), 32, '0'), now()
        FROM generate_series(100000, 139999) AS n""")
    )
    db.session.execute(
        sa.text("""
        INSERT INTO profiles (user_id, display_name, bio, latitude, longitude, radius_miles, drinking,
                              mobility, weather, pace, play_style, attitude, left_handed, created_at,
                              updated_at)
        SELECT n, '', '', 40.75 + (random() - 0.5) * 0.4, -73.99 + (random() - 0.5) * 0.5, 25, 0, n % 3,
               0, 0, 0, 0, false, now(), now()
        FROM generate_series(100000, 139999) AS n""")
    )
    db.session.commit()
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE users; ANALYZE profiles; ANALYZE blocks")
        conn.commit()
    criteria = SearchCriteria(origin=origin_of(NEW_YORK), radius=25, page=2)  # radius only, as the bench
    statements = _statements_of(lambda: search.search_players(viewer, criteria))
    knn = [(s, p) for s, p in statements if "earth_box(" in s]
    assert len(knn) == 1, statements  # one walk gives the capped total and the page's ids
    plan = _plan(*knn[0])
    # The GiST index answers the earth box: never a scan of every profile.
    assert re.search(r"Index Cond: \(\(ll_to_earth\(latitude, longitude\)\)::cube && ", plan), plan
    assert "Seq Scan on profiles" not in plan, plan
    # At a million players PostgreSQL reads it nearest first and stops at the LIMIT
    # (bench/search_bench.py checks that plan); on a table this small it may instead take a
    # bitmap of the box and sort it (its guess of the box's size is a fixed share of the table).
    assert re.search(r"(Index Scan using|Bitmap Index Scan on) ix_profiles_earth", plan), plan
    if "Index Scan using ix_profiles_earth" in plan:
        assert re.search(r"Order By: \(\(ll_to_earth\(latitude, longitude\)\)::cube <-> ", plan), plan
    # The page alone (LIMIT 20) is read nearest first even here.
    page_only = re.sub(r"LIMIT %\(\w+\)s(::INTEGER)?", "LIMIT 20", knn[0][0])
    assert page_only != knn[0][0], knn[0][0]
    page_plan = _plan(page_only, knn[0][1])
    assert "Index Scan using ix_profiles_earth on profiles" in page_plan, page_plan
    assert re.search(r"Order By: \(\(ll_to_earth\(latitude, longitude\)\)::cube <-> ", page_plan), page_plan
    # The timeline's and match's pools (the nearest N players, no earth box): the KNN walk over
    # the places players live at (here every dense player has a point of their own, the places'
    # worst case), each place's players from the (latitude, longitude) index; never a bitmap
    # or a scan of either table, although N (200, 1,000) is above the planner's guess for a box.
    db.session.execute(sa.insert(AvailabilitySlot), [
        {"user_id": user_id, "day": window(viewer)[2], "slot": SLOTS[0], "created_at": utcnow()}
        for user_id in (viewer.id, *range(100000, 100400))
    ])
    db.session.commit()
    for run in (lambda: matching.players_near(viewer, joined_since=utcnow(), newcomers=10, closest=10),
                lambda: matching.match_players(viewer, 1)):
        pooled = [(s, p) for s, p in _statements_of(run) if "<->" in s]
        assert len(pooled) == 1, pooled
        pool_plan = _plan(*pooled[0])
        assert "Index Scan using ix_player_places_earth on player_places" in pool_plan, pool_plan
        walk = r"Order By: \(\(ll_to_earth\(.*latitude, .*longitude\)\)::cube <-> "
        assert re.search(walk, pool_plan), pool_plan
        probe = r"Index (Only )?Scan using ix_profiles_latitude_longitude on profiles"
        assert re.search(probe, pool_plan), pool_plan
        assert not re.search(r"(Bitmap Heap|Seq) Scan on (profiles|player_places)", pool_plan), pool_plan


@needs_postgres
def test_the_migration_made_the_extensions_and_indexes(app):
    with db.engine.connect() as conn:
        extensions = set(conn.scalars(sa.text("SELECT extname FROM pg_extension")))
        indexes = dict(
            conn.execute(
                sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes"
                    " WHERE indexname IN ('ix_profiles_earth', 'ix_courses_earth', 'ix_player_places_earth',"
                    " 'ix_profiles_latitude_longitude')"
                )
            ).all()
        )
    assert {"cube", "earthdistance"} <= extensions
    assert "INCLUDE (user_id, handicap)" in indexes.pop("ix_profiles_latitude_longitude")
    assert set(indexes) == nearest.KNN_INDEXES
    assert all("USING gist (ll_to_earth(latitude, longitude))" in d for d in indexes.values())


def _places() -> dict[tuple[float, float], int]:
    return {(lat, lon): players for lat, lon, players in db.session.execute(
        sa.select(nearest.player_places.c.latitude, nearest.player_places.c.longitude,
                  nearest.player_places.c.players))}


@needs_postgres
def test_the_places_count_players_as_they_join_move_and_leave(app):
    """The trigger on profiles keeps player_places: a count per point, an emptied place kept at
    0 (and skipped by the pools), a player without a location nowhere."""
    new_york, san_francisco = geo.place_for_zip(NEW_YORK), geo.place_for_zip(SAN_FRANCISCO)
    assert new_york is not None and san_francisco is not None
    ny, sf = (new_york.latitude, new_york.longitude), (san_francisco.latitude, san_francisco.longitude)
    first, second = make_member("first", zip=NEW_YORK), make_member("second", zip=NEW_YORK)
    make_member("nowhere")
    db.session.commit()
    assert _places() == {ny: 2}
    mover = db.session.get(Profile, second.id)
    assert mover is not None
    mover.latitude, mover.longitude = sf
    db.session.commit()
    assert _places() == {ny: 1, sf: 1}
    mover.handicap = 12.0  # not a move: the counts stay
    db.session.commit()
    assert _places() == {ny: 1, sf: 1}
    db.session.delete(db.session.get(Profile, first.id))
    db.session.commit()
    assert _places() == {ny: 0, sf: 1}
    # The pool walks past the emptied place to the player who lives elsewhere.
    pool = nearest.players_pool(ny[0], ny[1], 5)
    assert list(db.session.scalars(sa.select(pool.c.user_id))) == [second.id]


def test_totals_read_200_plus_beyond_the_cap_and_the_pager_keeps_going(app, client):
    """Both dialects: 230 players in one zip; the page says "200+ players", no page count, and
    the last page is reachable."""
    generate(0)
    now = utcnow()
    place = geo.place_for_zip(NEW_YORK)
    assert place is not None
    start = 100
    db.session.execute(
        sa.insert(User),
        [
            {
                "id": n,
                "username": f"near{n}",
                "email": f"near{n}@test.test",
                "password_hash": "-",
                "role": "user",
                "session_token": f"{n:032x}",
                "created_at": now,
            }
            for n in range(start, start + 230)
        ],
    )
    db.session.execute(
        sa.insert(Profile),
        [
            {
                "user_id": n,
                "zip": place.zip,
                "latitude": place.latitude,
                "longitude": place.longitude,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(start, start + 230)
        ],
    )
    db.session.commit()
    login(client, "viewer")
    first = client.get("/players", query_string={"near": NEW_YORK, "radius": "5"}).get_data(as_text=True)
    assert "200+ players" in first and "Page 1" in first and "Page 1 of" not in first
    eleventh = client.get("/players", query_string={"near": NEW_YORK, "radius": "5", "page": "11"})
    page = eleventh.get_data(as_text=True)
    assert eleventh.status_code == 200 and "200+ players" in page
    assert 'rel="next"' in page and len(re.findall(r'href="/u/near\d+"><strong>', page)) == 20
    last = client.get("/players", query_string={"near": NEW_YORK, "radius": "5", "page": "12"}).get_data(
        as_text=True
    )
    assert len(re.findall(r'href="/u/near\d+"><strong>', last)) == 10 and 'rel="next"' not in last
    # name search (no radius) is capped the same way; a small result stays exact
    assert "200+ players" in client.get("/players", query_string={"q": "near"}).get_data(as_text=True)
    assert "1 player" in client.get("/players", query_string={"q": "near101"}).get_data(as_text=True)


@needs_postgres
@pytest.mark.parametrize("viewer_handicap", [12.0, None])
def test_match_in_sql_ranks_as_the_python_path(app, monkeypatch, viewer_handicap):
    """Most shared slots, then nearest, then closest handicap, then id: the same pages, the
    same totals (as shown) on both paths, with a pool that holds everyone in the radius."""
    viewer = generate(2500)
    me = db.session.scalar(sa.select(Profile).where(Profile.user_id == viewer.id))
    me.handicap, me.radius_miles = viewer_handicap, 30
    rng = random.Random(5)
    days = window(viewer)
    slots = [(day, slot) for day in days for slot in SLOTS]
    now = utcnow()
    others = list(db.session.scalars(sa.select(User.id).where(User.id != viewer.id)))
    db.session.execute(
        sa.insert(AvailabilitySlot),
        [
            {"user_id": user_id, "day": day, "slot": slot, "created_at": now}
            for user_id in [viewer.id, *others]
            for day, slot in rng.sample(slots, rng.randint(1, 6))
        ],
    )
    db.session.commit()
    monkeypatch.setattr(matching, "MATCH_POOL", 100_000)  # everyone in the radius, as in Python
    pages = {}
    for knn in (True, False):
        monkeypatch.setattr(nearest, "uses_knn", lambda knn=knn: knn)
        pages[knn] = [matching.match_players(viewer, page) for page in (1, 2, 3, 9, 40)]
    for in_sql, in_python in zip(pages[True], pages[False], strict=True):
        assert [row.user.id for row in in_sql.rows] == [row.user.id for row in in_python.rows]
        assert [row.distance for row in in_sql.rows] == pytest.approx(
            [row.distance for row in in_python.rows]
        )
        assert [row.shared for row in in_sql.rows] == [row.shared for row in in_python.rows]
        assert (in_sql.total_label, in_sql.has_next) == (in_python.total_label, in_python.has_next)
    assert pages[True][0].capped and len(pages[True][2].rows) == search.PER_PAGE


@needs_postgres
def test_timeline_suggestions_choose_among_the_nearest_players(app, monkeypatch):
    """``players_near`` on PostgreSQL picks the newest and the closest handicaps among the
    ``NEARBY_POOL`` players nearest within the radius, in one statement: with a pool larger
    than the radius holds it gives the bounding-box path's players, in the same orders; with a
    small pool, only near ones."""
    viewer = generate(1500)
    me = db.session.scalar(sa.select(Profile).where(Profile.user_id == viewer.id))
    me.handicap, me.radius_miles = 14.0, 20
    db.session.execute(  # distinct sign-up times, so "the newest" is one order on both paths
        sa.text("UPDATE users SET created_at = now() - make_interval(mins => id % 997) WHERE id != :me"),
        {"me": viewer.id},
    )
    db.session.commit()
    since = utcnow() - timedelta(days=1)
    excluded = list(db.session.scalars(sa.select(User.id).where(User.id != viewer.id).limit(15)))

    def both() -> tuple[matching.Nearby, matching.Nearby]:
        found = {}
        for knn in (True, False):
            monkeypatch.setattr(nearest, "uses_knn", lambda knn=knn: knn)
            found[knn] = matching.players_near(viewer, joined_since=since, newcomers=20, closest=10,
                                               exclude_ids=excluded)
        return found[True], found[False]

    def ids(rows: list) -> list[int]:
        return [row.user.id for row in rows]

    monkeypatch.setattr(matching, "NEARBY_POOL", 100_000)
    for handicap in (14.0, None):  # without one, the newest accounts first on both paths
        me.handicap = handicap
        db.session.commit()
        in_sql, in_python = both()
        assert (len(in_sql.newcomers), len(in_sql.closest)) == (20, 10)
        assert not set(ids(in_sql.newcomers + in_sql.closest)) & {viewer.id, *excluded}
        for kind in ("newcomers", "closest"):
            rows_sql, rows_python = getattr(in_sql, kind), getattr(in_python, kind)
            assert ids(rows_sql) == ids(rows_python), kind
            assert [row.distance for row in rows_sql] == pytest.approx([row.distance for row in rows_python])
        if handicap is None:
            assert ids(in_sql.closest) == sorted(ids(in_sql.closest), reverse=True)
    me.handicap = 14.0
    db.session.commit()

    # One walk of the pool for both lists: one statement.
    monkeypatch.setattr(nearest, "uses_knn", lambda: True)
    statements = _statements_of(
        lambda: matching.players_near(viewer, joined_since=since, newcomers=20, closest=10)
    )
    assert len([statement for statement, _ in statements if "<->" in statement]) == 1, statements

    monkeypatch.setattr(matching, "NEARBY_POOL", 40)
    origin = origin_of(NEW_YORK)
    located = db.session.execute(
        sa.select(Profile.user_id, Profile.latitude, Profile.longitude).where(Profile.latitude.is_not(None))
    )
    by_distance = sorted(
        (geo.haversine_miles(origin.latitude, origin.longitude, lat, lon), user_id)
        for user_id, lat, lon in located
    )
    fortieth = by_distance[39][0]  # the viewer is one of the 40 nearest (distance 0)
    assert fortieth < me.radius_miles
    rows = matching.players_near(viewer, joined_since=since, newcomers=20, closest=10).closest
    assert rows and all(row.distance is not None and row.distance <= fortieth + 1e-6 for row in rows)
    gaps = [abs(row.profile.handicap - 14.0) if row.profile.handicap is not None else 99.0 for row in rows]
    assert gaps == sorted(gaps)


def _free_like_the_viewer(viewer: User, seed: int) -> None:
    """The viewer and every other player free for 1-6 random slots of the viewer's window."""
    rng = random.Random(seed)
    slots = [(day, slot) for day in window(viewer) for slot in SLOTS]
    now = utcnow()
    everyone = list(db.session.scalars(sa.select(User.id)))
    db.session.execute(
        sa.insert(AvailabilitySlot),
        [
            {"user_id": user_id, "day": day, "slot": slot, "created_at": now}
            for user_id in everyone
            for day, slot in rng.sample(slots, rng.randint(1, 6))
        ],
    )
    db.session.commit()


@needs_postgres
def test_match_in_sql_ranks_only_the_nearest_players_of_the_pool(app, monkeypatch):
    """With ``MATCH_POOL`` smaller than the radius holds, /players/match ranks among the pool's
    players (the nearest within the radius) only, in the Python path's order, and its total
    counts them; a page past them is empty and ends the pager."""
    viewer = generate(1500, seed=21)
    me = db.session.scalar(sa.select(Profile).where(Profile.user_id == viewer.id))
    me.handicap, me.radius_miles = 9.0, 30
    db.session.commit()
    _free_like_the_viewer(viewer, seed=6)
    monkeypatch.setattr(nearest, "uses_knn", lambda: False)
    everyone = matching.match_players(viewer, 1)
    ranked_in_python = [
        (row.user.id, row.distance)
        for page in range(1, everyone.pages + 1)
        for row in matching.match_players(viewer, page).rows
    ]

    monkeypatch.setattr(nearest, "uses_knn", lambda: True)
    monkeypatch.setattr(matching, "MATCH_POOL", 60)
    first = matching.match_players(viewer, 1)
    rows = first.rows + matching.match_players(viewer, 2).rows + matching.match_players(viewer, 3).rows
    origin = origin_of(NEW_YORK)
    located = db.session.execute(
        sa.select(Profile.latitude, Profile.longitude).where(Profile.latitude.is_not(None))
    )
    sixtieth = sorted(
        geo.haversine_miles(origin.latitude, origin.longitude, lat, lon) for lat, lon in located
    )[59]
    assert sixtieth < me.radius_miles and len(ranked_in_python) > 60
    # only the pool's players, each once, and the total counts them
    assert 0 < len(rows) < 60 and first.total == len(rows) and not first.capped
    assert all(row.distance is not None and row.distance <= sixtieth + 1e-6 for row in rows)
    assert len({row.user.id for row in rows}) == len(rows)
    # every player nearer than the pool's edge is ranked, in the Python path's order
    ids = [row.user.id for row in rows]
    inside = [user_id for user_id, miles in ranked_in_python if miles is not None and miles < sixtieth - 1e-6]
    assert set(inside) <= set(ids)
    assert [user_id for user_id, _ in ranked_in_python if user_id in set(ids)] == ids
    past = matching.match_players(viewer, 4)
    assert past.rows == [] and past.total == len(rows) and not past.has_next

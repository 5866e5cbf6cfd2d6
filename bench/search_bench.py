"""Partner search at a million on PostgreSQL: the KNN path (GiST index on ll_to_earth, nearest
first in SQL) against the old path (latitude/longitude bounding box, haversine and sort in
Python) on the same data, radius only, page 1, as ``/players?near=<zip>&radius=25`` runs it.

Data: ``--profiles`` players made with COPY, ``--metro-share`` of them at zips within 40 miles of
``--metro`` (New York by default, the densest case), the rest spread over every US zip. Each
round times every origin (zips within 10 miles of the metro's centre) on both paths, alternating
which goes first; "cold" is each origin's first call on a fresh connection (a new PostgreSQL backend: empty
catalog and plan caches; the shared buffers and the OS cache stay warm), "warm" its repeats.

    .venv/bin/python bench/search_bench.py --database-url postgresql://postgres@127.0.0.1/fw_search_bench \\
        [--profiles 1000000] [--rounds 5] [--origins 20] [--warm 3] [--radius 25] [--reuse]

The database must exist and be empty (or hold this bench's data, with --reuse); it is migrated.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.profiles import geo, search  # noqa: E402
from app.profiles.models import Profile  # noqa: E402
from app.profiles.search import Origin, SearchCriteria  # noqa: E402
from bench import percentile  # noqa: E402

CHUNK = 100_000


def _copy(table: str, columns: str, lines: Callable[[], Any]) -> None:
    """COPY rows (tab-separated lines) into ``table`` through psycopg, a chunk at a time."""
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for chunk in lines():
                copy.write(chunk)
        raw.commit()
    finally:
        raw.close()


def places_near(metro: geo.Place, miles: float) -> list[geo.Place]:
    """The zips within ``miles`` of the metro's centre."""
    return [
        p
        for p in geo.all_places()
        if geo.haversine_miles(metro.latitude, metro.longitude, p.latitude, p.longitude) < miles
    ]


def vacuum_analyze(*tables: str) -> None:
    """``VACUUM ANALYZE`` each table (outside a transaction, as VACUUM must run)."""
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        with raw.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
    finally:
        raw.close()


def bench_app(database_url: str) -> Any:
    """Fairway on ``database_url`` (PostgreSQL, driven by psycopg) with no Redis, sessions in
    the database and no rate limits, its database migrated: what the search benches run their
    paths in."""
    from flask_migrate import upgrade

    url = sa.engine.make_url(database_url).set(drivername="postgresql+psycopg")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "REDIS_URL": None,
            "SESSION_TYPE": "sqlalchemy",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    return app


def copy_players(homes: list[geo.Place], rng: random.Random) -> None:
    """Players 1..len(homes), each living at their home zip, with COPY (users and profiles);
    the users' id sequence moved past them."""
    count = len(homes)

    def users() -> Any:
        for start in range(1, count + 1, CHUNK):
            out = io.StringIO()
            for n in range(start, min(count, start + CHUNK - 1) + 1):
                out.write(f"{n}\tp{n}\tp{n}@bench.test\t-\tuser\t{n:032x}\t2026-11-01 00:00:00\n")
            yield out.getvalue()

    def profiles() -> Any:
        for start in range(1, count + 1, CHUNK):
            out = io.StringIO()
            for n in range(start, min(count, start + CHUNK - 1) + 1):
                p = homes[n - 1]
                handicap = round(rng.uniform(-5, 40), 1)
                drinking, mobility = rng.randrange(3), rng.randrange(3)
                out.write(
                    f"{n}\tPlayer {n}\t\t{handicap}\t{p.zip}\t{p.latitude}\t{p.longitude}\t25\t{drinking}"
                    f"\t{mobility}\t0\t0\t0\t0\tf\t2026-11-01 00:00:00\t2026-11-01 00:00:00\n"
                )
            yield out.getvalue()

    _copy("users", "id, username, email, password_hash, role, session_token, created_at", users)
    _copy(
        "profiles",
        "user_id, display_name, bio, handicap, zip, latitude, longitude, radius_miles, drinking,"
        " mobility, weather, pace, play_style, attitude, left_handed, created_at, updated_at",
        profiles,
    )
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT setval('users_id_seq', :n)"), {"n": count})
        conn.commit()


def needs_players(reuse: bool) -> bool:
    """Whether the bench must make its players: the database holds none. Holding some, the
    bench reuses them when told to (``--reuse``) and stops otherwise."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Profile)) or 0
    db.session.rollback()
    if have and not reuse:
        sys.exit("The database already holds profiles; give an empty one or --reuse.")
    return not have


def generate(count: int, metro: geo.Place, share: float, rng: random.Random) -> None:
    places, near = geo.all_places(), places_near(metro, 40)
    homes = [rng.choice(near) if rng.random() < share else rng.choice(places) for _ in range(count)]
    copy_players(homes, rng)
    vacuum_analyze("users", "profiles")


def new_path(viewer: User, origin: Origin, radius: float) -> search.PlayerPage:
    return search.search_players(viewer, SearchCriteria(origin=origin, radius=radius))


def old_path(viewer: User, origin: Origin, radius: float) -> search.PlayerPage:
    conditions = search.search_conditions(viewer, SearchCriteria(origin=origin, radius=radius))
    return search._nearest_in_python(conditions, origin, radius, 1)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(samples: list[float]) -> str:
    return (
        f"n={len(samples):<4} p50={statistics.median(samples):7.2f} ms"
        f"  p95={percentile(samples, 0.95):7.2f} ms  max={max(samples):7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="PostgreSQL (the KNN path is PostgreSQL's)")
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--metro", default="10001")
    parser.add_argument("--metro-share", type=float, default=0.3)
    parser.add_argument("--radius", type=float, default=25.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3, help="warm repeats per origin and round")
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    app = bench_app(args.database_url)
    metro = geo.place_for_zip(args.metro)
    if metro is None:
        sys.exit(f"unknown zip {args.metro}")
    with app.app_context():
        if needs_players(args.reuse):
            start = time.perf_counter()
            generate(args.profiles, metro, args.metro_share, rng)
            took = time.perf_counter() - start
            print(f"generated {args.profiles} profiles with COPY (+ VACUUM ANALYZE) in {took:.1f} s")
        viewer = db.session.get(User, 1)
        assert viewer is not None
        db.session.expunge(viewer)
        origins = [Origin(p.latitude, p.longitude, p.zip) for p in places_near(metro, 10)]
        origins = rng.sample(origins, min(args.origins, len(origins)))

        # The two paths agree (ids in order, totals as shown) before anything is timed.
        inside = []
        for origin in origins:
            new, old = new_path(viewer, origin, args.radius), old_path(viewer, origin, args.radius)
            # the same distances in the same order (players at one distance may come in another order)
            assert [round(r.distance or 0, 6) for r in new.rows] == [
                round(r.distance or 0, 6) for r in old.rows
            ], origin
            assert new.total_label == old.total_label
            inside.append(old.total)
            db.session.remove()
        print(
            f"{len(origins)} origins within 10 miles of {args.metro}, radius {args.radius:g} miles: players "
            f"inside median {statistics.median(inside):.0f}, max {max(inside)}; page 1 agrees"
        )

        paths = {"knn": new_path, "python": old_path}
        cold: dict[str, list[float]] = {name: [] for name in paths}
        warm: dict[str, list[float]] = {name: [] for name in paths}
        ratios = []
        for round_no in range(args.rounds):
            order = list(paths) if round_no % 2 == 0 else list(reversed(paths))
            round_warm: dict[str, list[float]] = {name: [] for name in paths}
            for origin in origins:
                for name in order:
                    db.session.remove()
                    db.engine.dispose()  # a fresh backend: cold catalog and plan caches
                    db.session.execute(sa.text("SELECT 1"))  # (connecting is not timed)
                    call = functools.partial(paths[name], viewer, origin, args.radius)
                    cold[name].append(timed(call))
                    for _ in range(args.warm):
                        sample = timed(call)
                        warm[name].append(sample)
                        round_warm[name].append(sample)
            ratio = percentile(round_warm["python"], 0.95) / percentile(round_warm["knn"], 0.95)
            ratios.append(ratio)
            print(
                f"round {round_no + 1}: warm p95 knn {percentile(round_warm['knn'], 0.95):.2f} ms, "
                f"python {percentile(round_warm['python'], 0.95):.2f} ms, python/knn {ratio:.1f}x"
            )
        for name in paths:
            print(f"{name:<7} cold  {summary(cold[name])}")
            print(f"{name:<7} warm  {summary(warm[name])}")
        print(
            f"warm p95 ratio python/knn per round: min {min(ratios):.1f}x"
            f"  median {statistics.median(ratios):.1f}x  max {max(ratios):.1f}x"
        )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()

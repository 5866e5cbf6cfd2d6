"""/players/match and course search at a million on PostgreSQL: the SQL path (KNN index on
ll_to_earth, the ranking in SQL) against the Python path (latitude/longitude bounding box,
haversine and ranking in Python) on the same data, alternating in rounds.

Match data: ``--profiles`` players made with COPY, ``--metro-share`` of them at zips within 40
miles of ``--metro`` (New York by default, the densest case), the rest spread over every US
zip; ``--slot-share`` of the players are free for 1-6 (day, slot) pairs of the viewers' two-week
window (``app.profiles.availability.window``). The viewers are players 1..``--origins``, at zips
within 10 miles of the metro's centre, each free for 3-6 pairs. Each round times every viewer's
``match_players`` page 1 (their radius, ``--radius``) on both paths, alternating which goes
first.

Course data: for each of ``--courses`` (a comma list of sizes) a ``courses`` table of that many
rows in its own schema ``bench_courses_<n>`` (the app reads it through ``search_path``), placed
as the players are (``--course-metro-share`` around the metro: 0.3 is the densest case; some
0.05 is nearer the real share of the New York area among ~16,000 US courses). Each round
times ``search_courses`` radius only (``--radius``) from every viewer's zip on both paths.

"Cold" is each origin's first call on a fresh connection (a new PostgreSQL backend: empty catalog
and plan caches; the shared buffers and the OS cache stay warm), "warm" its repeats. Absolute
figures depend on the machine: compare the paths, and note the load average printed at the end.

    .venv/bin/python bench/match_bench.py --database-url postgresql://postgres@127.0.0.1/fw_match_bench \\
        [--profiles 1000000] [--courses 16000,1000000] [--rounds 3] [--origins 8] [--warm 3] \\
        [--radius 25] [--only match|courses] [--match-pool N] [--course-metro-share 0.3] [--reuse]

The database must exist and be empty (or hold this bench's data, with --reuse); it is migrated.
With --reuse on a later day, the slots are moved to the viewers' current window first.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.profiles import geo, matching, nearest  # noqa: E402
from app.profiles.availability import window  # noqa: E402
from app.profiles.models import SLOTS, AvailabilitySlot, Profile  # noqa: E402
from app.profiles.search import Origin  # noqa: E402
from bench import percentile  # noqa: E402
from bench.search_bench import (  # noqa: E402
    _copy,
    bench_app,
    copy_players,
    needs_players,
    places_near,
    summary,
    timed,
    vacuum_analyze,
)

CHUNK = 100_000
STAMP = "2026-11-01 00:00:00"


def generate_players(count: int, viewers: int, metro: geo.Place, share: float, slot_share: float,
                     rng: random.Random) -> int:
    """``count`` players and their slots in the viewers' window, with COPY; returns the number
    of slots."""
    places, near, centre = geo.all_places(), places_near(metro, 40), places_near(metro, 10)
    homes = [
        rng.choice(centre) if n < viewers
        else rng.choice(near) if rng.random() < share
        else rng.choice(places)
        for n in range(count)
    ]

    written = 0

    def slots() -> Iterator[str]:
        nonlocal written
        for start in range(1, count + 1, CHUNK):
            out = io.StringIO()
            for n in range(start, min(count, start + CHUNK - 1) + 1):
                if n <= viewers:
                    chosen = rng.sample(pairs, rng.randint(3, 6))
                elif rng.random() < slot_share:
                    chosen = rng.sample(pairs, rng.randint(1, 6))
                else:
                    continue
                for day, slot in chosen:
                    out.write(f"{n}\t{day}\t{slot}\t{STAMP}\n")
                written += len(chosen)
            yield out.getvalue()

    copy_players(homes, rng)
    viewer = db.session.get(User, 1)
    assert viewer is not None
    pairs = [(day.isoformat(), slot) for day in window(viewer) for slot in SLOTS]  # the zone of their zip
    db.session.rollback()
    _copy("availability_slots", "user_id, day, slot, created_at", slots)
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('availability_slots', 'id'), "
                             "(SELECT max(id) FROM availability_slots))"))
        conn.commit()
    vacuum_analyze("users", "profiles", "availability_slots")
    return written


def generate_courses(schema: str, count: int, metro: geo.Place, share: float, rng: random.Random) -> None:
    """``count`` courses in ``schema``.courses (the app's table, indexes included), with COPY."""
    places, near = geo.all_places(), places_near(metro, 40)
    with db.engine.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(f"CREATE TABLE {schema}.courses (LIKE public.courses INCLUDING ALL)"))
        conn.commit()

    def rows() -> Iterator[str]:
        for start in range(1, count + 1, CHUNK):
            out = io.StringIO()
            for n in range(start, min(count, start + CHUNK - 1) + 1):
                p = rng.choice(near) if rng.random() < share else rng.choice(places)
                holes = 18 if rng.random() < 0.8 else 9
                out.write(
                    f"{n}\tCourse {n}\t{p.city[:60]}\t{p.state[:2]}\t{p.zip}\t{p.latitude}\t{p.longitude}"
                    f"\t{holes}\t{holes * 4}\t\t\t\t{STAMP}\t{STAMP}\n"
                )
            yield out.getvalue()

    _copy(f"{schema}.courses", "id, name, city, state, zip, latitude, longitude, holes, par, website,"
          " contact, notes, created_at, updated_at", rows)
    vacuum_analyze(f"{schema}.courses")


@contextmanager
def python_path() -> Iterator[None]:
    """The SQLite path on PostgreSQL (as tests/profiles/test_nearest.py monkeypatches it)."""
    real = nearest.uses_knn
    nearest.uses_knn = lambda: False  # type: ignore[assignment]
    try:
        yield
    finally:
        nearest.uses_knn = real  # type: ignore[assignment]


def match_sql(viewer: User) -> matching.PlayerPage:
    return matching.match_players(viewer, 1)


def match_python(viewer: User) -> matching.PlayerPage:
    with python_path():
        return matching.match_players(viewer, 1)


def course_search(viewer: User, origin: Origin, radius: float) -> Any:
    # (imported here: app.courses must come after app.profiles, which isort's order breaks)
    from app.courses.services import CourseSearch, search_courses

    return search_courses(viewer, CourseSearch(origin=origin, radius=radius))


def course_python(viewer: User, origin: Origin, radius: float) -> Any:
    with python_path():
        return course_search(viewer, origin, radius)


def alternate(title: str, paths: dict[str, Callable[[Any], Any]], cases: list[Any], rounds: int, warm: int,
              setup: Callable[[], None] = lambda: None) -> None:
    """Time every case on every path, round after round, alternating which path goes first;
    print each round's warm p95 and the totals (cold: a fresh backend, warm: its repeats)."""
    first, second = list(paths)
    cold: dict[str, list[float]] = {name: [] for name in paths}
    hot: dict[str, list[float]] = {name: [] for name in paths}
    ratios = []
    for round_no in range(rounds):
        order = [first, second] if round_no % 2 == 0 else [second, first]
        round_warm: dict[str, list[float]] = {name: [] for name in paths}
        for case in cases:
            for name in order:
                db.session.remove()
                db.engine.dispose()  # a fresh backend: cold catalog and plan caches
                setup()
                db.session.execute(sa.text("SELECT 1"))  # (connecting is not timed)
                call = functools.partial(paths[name], case)
                cold[name].append(timed(call))
                for _ in range(warm):
                    sample = timed(call)
                    hot[name].append(sample)
                    round_warm[name].append(sample)
        ratio = percentile(round_warm[second], 0.95) / percentile(round_warm[first], 0.95)
        ratios.append(ratio)
        print(
            f"{title} round {round_no + 1}: warm p95 {first} {percentile(round_warm[first], 0.95):.2f} ms, "
            f"{second} {percentile(round_warm[second], 0.95):.2f} ms, {second}/{first} {ratio:.1f}x",
            flush=True,
        )
    db.session.remove()
    for name in paths:
        print(f"{title} {name:<7} cold  {summary(cold[name])}")
        print(f"{title} {name:<7} warm  {summary(hot[name])}")
    print(
        f"{title} warm p95 ratio {second}/{first} per round: min {min(ratios):.1f}x"
        f"  median {statistics.median(ratios):.1f}x  max {max(ratios):.1f}x",
        flush=True,
    )


def _shift_slots(days: list[date]) -> None:
    """With --reuse on a later day: move every slot by the days since the data was made, so the
    viewers' window holds them again."""
    first = db.session.scalar(sa.select(sa.func.min(AvailabilitySlot.day)))
    db.session.rollback()
    if first is None or first == days[0]:
        return
    shift = (days[0] - first).days
    print(f"moving the slots {shift} days on, to the current window", flush=True)
    with db.engine.connect() as conn:
        conn.execute(sa.text("UPDATE availability_slots SET day = day + :n"), {"n": shift})
        conn.commit()
    vacuum_analyze("availability_slots")


def bench_match(args: argparse.Namespace, metro: geo.Place, rng: random.Random) -> list[User]:
    if needs_players(args.reuse):
        start = time.perf_counter()
        written = generate_players(args.profiles, args.origins, metro, args.metro_share, args.slot_share, rng)
        print(f"generated {args.profiles} profiles and {written} slots with COPY (+ VACUUM ANALYZE) "
              f"in {time.perf_counter() - start:.1f} s", flush=True)
    viewers = list(db.session.scalars(sa.select(User).where(User.id <= args.origins).order_by(User.id)))
    for viewer in viewers:
        db.session.expunge(viewer)
    _shift_slots(window(viewers[0]))
    players = db.session.scalar(sa.select(sa.func.count()).select_from(Profile))
    slots = db.session.scalar(sa.select(sa.func.count()).select_from(AvailabilitySlot))
    db.session.rollback()
    print(f"{players} profiles, {slots} slots; {len(viewers)} viewers within 10 miles of "
          f"{metro.zip}, radius {args.radius:g} miles; match pool {matching.MATCH_POOL}", flush=True)
    if args.only == "courses":
        return viewers
    with db.engine.connect() as conn:
        conn.execute(sa.text("UPDATE profiles SET radius_miles = :r WHERE user_id <= :n"),
                     {"r": args.radius, "n": args.origins})
        conn.commit()

    same, inside, totals = 0, [], []
    for viewer in viewers:
        in_sql, in_python = match_sql(viewer), match_python(viewer)
        assert all(r.distance is None or r.distance <= args.radius for r in in_sql.rows)
        same += [r.user.id for r in in_sql.rows] == [r.user.id for r in in_python.rows]
        inside.append(in_python.total)
        totals.append(in_sql.total_label)
        db.session.remove()
    print(f"match page 1: players free together within the radius (Python path) median "
          f"{statistics.median(inside):.0f}, max {max(inside)}; SQL path totals {sorted(set(totals))}; "
          f"page 1 the same on both paths for {same} of {len(viewers)} viewers", flush=True)
    alternate("match", {"sql": match_sql, "python": match_python}, viewers, args.rounds, args.warm)
    return viewers


def bench_courses(args: argparse.Namespace, metro: geo.Place, viewers: list[User],
                  rng: random.Random) -> None:
    origins = []
    for viewer in viewers:
        me = db.session.scalar(sa.select(Profile).where(Profile.user_id == viewer.id))
        assert me is not None and me.latitude is not None and me.longitude is not None
        origins.append(Origin(me.latitude, me.longitude, me.zip or ""))
    db.session.rollback()
    share = args.metro_share if args.course_metro_share is None else args.course_metro_share
    for size in [int(n) for n in args.courses.split(",") if n]:
        schema = f"bench_courses_{size}" + ("" if share == 0.3 else f"_{round(share * 100)}pc")
        exists = db.session.scalar(
            sa.text("SELECT 1 FROM information_schema.tables"
                    " WHERE table_schema = :s AND table_name = 'courses'"),
            {"s": schema},
        )
        db.session.rollback()
        have = db.session.scalar(sa.text(f"SELECT count(*) FROM {schema}.courses")) if exists else 0
        db.session.rollback()
        if have != size:
            start = time.perf_counter()
            generate_courses(schema, size, metro, share, rng)
            print(f"generated {size} courses in {schema} with COPY (+ VACUUM ANALYZE) in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)

        def use_schema(schema: str = schema) -> None:
            # SET, not SET LOCAL: the calls commit nothing, and each fresh backend sets it again.
            db.session.execute(sa.text(f"SET search_path TO {schema}, public"))

        use_schema()
        inside, same = [], 0
        for viewer, origin in zip(viewers, origins, strict=True):
            in_sql = course_search(viewer, origin, args.radius)
            in_python = course_python(viewer, origin, args.radius)
            same += [round(r.distance or 0, 6) for r in in_sql.rows] == [
                round(r.distance or 0, 6) for r in in_python.rows
            ] and in_sql.total_label == in_python.total_label
            inside.append(in_python.total)
        print(f"courses {size}: within {args.radius:g} miles median {statistics.median(inside):.0f}, max "
              f"{max(inside)}; page 1 and total the same on both paths for {same} of {len(origins)} origins",
              flush=True)
        cases = list(zip(viewers, origins, strict=True))
        alternate(
            f"courses {size}",
            {"sql": lambda case: course_search(*case, args.radius),
             "python": lambda case: course_python(*case, args.radius)},
            cases, args.rounds, args.warm, setup=use_schema,
        )
        db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="PostgreSQL (the KNN path is PostgreSQL's); none: skipped")
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--courses", default="16000,1000000", help="course table sizes, comma-separated")
    parser.add_argument("--metro", default="10001")
    parser.add_argument("--metro-share", type=float, default=0.3)
    parser.add_argument("--course-metro-share", type=float,
                        help="courses around the metro (default: --metro-share)")
    parser.add_argument("--slot-share", type=float, default=0.6, help="players with 1-6 free slots")
    parser.add_argument("--radius", type=float, default=25.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--origins", type=int, default=8, help="viewers (and course search origins)")
    parser.add_argument("--warm", type=int, default=3, help="warm repeats per origin and round")
    parser.add_argument("--match-pool", type=int, help="MATCH_POOL for this run")
    parser.add_argument("--only", choices=("match", "courses"))
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.database_url:
        print("match_bench: skipped (give --database-url postgresql://…; it loads a million rows)")
        return
    rng = random.Random(args.seed)
    if args.match_pool:
        matching.MATCH_POOL = args.match_pool
    app = bench_app(args.database_url)
    metro = geo.place_for_zip(args.metro)
    if metro is None:
        sys.exit(f"unknown zip {args.metro}")
    with app.app_context():
        viewers = bench_match(args, metro, rng)
        if args.only != "match":
            bench_courses(args, metro, viewers, rng)
        db.session.remove()
        db.engine.dispose()
    print("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()

"""Partner-search and matching latency.

Generates profiles across real US zip codes (a share of them clustered around metro areas,
as players are), then times:
  - search: players within 25 miles of a zip, with the bounding-box prefilter on the indexed
    latitude/longitude and exact haversine after (the app's ``search_players``);
  - naive: the same answer from a full scan of every profile, measured in the same run;
  - match: ``match_players`` for players with availability in the next 14 days.

    .venv/bin/python bench/profiles_bench.py [--profiles 100000] [--matchers 10000]
        [--queries 200] [--database-url URL]

Without --database-url it runs on a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.profiles import geo, services  # noqa: E402
from app.profiles.models import SLOTS, AvailabilitySlot, Profile  # noqa: E402
from app.profiles.services import Origin, SearchCriteria  # noqa: E402
from bench import fresh_database, percentile  # noqa: E402

METROS = ["10001", "90012", "60601", "77002", "85003", "19103", "78205", "92101", "75201", "94103"]
RADIUS = 25.0
BATCH = 5000


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    print(
        f"{name:<38} n={len(samples):<4} p50={statistics.median(samples):8.2f} ms"
        f"   p95={percentile(samples, 0.95):8.2f} ms"
    )


def generate(profiles: int, matchers: int, rng: random.Random) -> list[int]:
    """Insert users and profiles; return the ids of the players given availability."""
    places = geo.all_places()
    metro_places = []
    for code in METROS:
        centre = geo.place_for_zip(code)
        assert centre is not None
        metro_places.append(
            [
                p
                for p in places
                if geo.haversine_miles(centre.latitude, centre.longitude, p.latitude, p.longitude) < 40
            ]
        )
    now = utcnow()
    clustered: list[int] = []
    for start in range(1, profiles + 1, BATCH):
        ids = range(start, min(profiles, start + BATCH - 1) + 1)
        users, rows = [], []
        for user_id in ids:
            in_metro = rng.random() < 0.3
            place = rng.choice(rng.choice(metro_places)) if in_metro else rng.choice(places)
            if in_metro:
                clustered.append(user_id)
            users.append(
                {
                    "id": user_id,
                    "username": f"p{user_id}",
                    "email": f"p{user_id}@bench.test",
                    "password_hash": "-",
                    "role": "user",
                    "session_token": f"{user_id:032x}",
                    "created_at": now,
                }
            )
            rows.append(
                {
                    "user_id": user_id,
                    "display_name": f"Player {user_id}",
                    "bio": "",
                    "handicap": round(rng.uniform(-5, 40), 1),
                    "zip": place.zip,
                    "city": place.city[:60],
                    "state": place.state[:2],
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                    "radius_miles": 25,
                    "drinking": rng.randrange(3),
                    "mobility": rng.randrange(3),
                    "weather": 0,
                    "pace": 0,
                    "play_style": 0,
                    "attitude": 0,
                    "left_handed": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(User), users)
        db.session.execute(sa.insert(Profile), rows)
    matcher_ids = rng.sample(clustered, min(matchers, len(clustered)))
    today = now.date()
    slots = [(today + timedelta(days=d), s) for d in range(services.WINDOW_DAYS) for s in SLOTS]
    for start in range(0, len(matcher_ids), BATCH):
        db.session.execute(
            sa.insert(AvailabilitySlot),
            [
                {"user_id": user_id, "day": day, "slot": slot, "created_at": now}
                for user_id in matcher_ids[start : start + BATCH]
                for day, slot in rng.sample(slots, 8)
            ],
        )
    db.session.commit()
    return matcher_ids


def naive_search(origin: Origin) -> list[tuple[float, int]]:
    """The baseline: every profile fetched, every distance computed."""
    rows = db.session.execute(
        sa.select(Profile.user_id, Profile.latitude, Profile.longitude)
        .join(User, User.id == Profile.user_id)
        .where(User.deactivated_at.is_(None), Profile.latitude.is_not(None))
    )
    return sorted(
        (d, user_id)
        for user_id, lat, lon in rows
        if (d := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= RADIUS
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--matchers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive-queries", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    workdir = tempfile.mkdtemp(prefix="fairway-bench-")
    url = fresh_database(args.database_url, workdir)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "SESSION_TYPE": "sqlalchemy",
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "TESTING": True,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        if db.session.scalar(sa.select(sa.func.count()).select_from(Profile)):
            sys.exit("The database already holds profiles; give an empty one.")
        start = time.perf_counter()
        matcher_ids = generate(args.profiles, args.matchers, rng)
        print(
            f"generated {args.profiles} profiles, {len(matcher_ids)} with availability "
            f"on {db.engine.dialect.name} in {time.perf_counter() - start:.1f} s"
        )

        viewer = User(id=0, username="bench", email="bench@bench.test", password_hash="-")
        sample_ids = rng.sample(range(1, args.profiles + 1), args.queries)
        origins = []
        for profile in db.session.scalars(sa.select(Profile).where(Profile.user_id.in_(sample_ids))):
            origins.append(Origin(profile.latitude, profile.longitude, profile.zip or ""))
        found = [
            services.search_players(viewer, SearchCriteria(origin=o, radius=RADIUS)).total for o in origins
        ]
        assert found[:10] == [len(naive_search(o)) for o in origins[:10]], (
            "bounding box and full scan disagree"
        )
        print(f"players within {RADIUS:g} miles: median {statistics.median(found):.0f}, max {max(found)}")

        queue = iter(origins * 2)
        report(
            "search (bbox + haversine, page 1)",
            timed(
                lambda: services.search_players(viewer, SearchCriteria(origin=next(queue), radius=RADIUS)),
                len(origins),
            ),
        )
        naive_queue = iter(origins)
        report(
            "naive full scan (baseline)",
            timed(lambda: naive_search(next(naive_queue)), min(args.naive_queries, len(origins))),
        )

        players = list(
            db.session.scalars(
                sa.select(User).where(
                    User.id.in_(rng.sample(matcher_ids, min(args.queries, len(matcher_ids))))
                )
            )
        )
        player_queue = iter(players)
        sizes: list[int] = []

        def one_match() -> None:
            sizes.append(services.match_players(next(player_queue)).total)

        report(f"match ({len(matcher_ids)} players with slots)", timed(one_match, len(players)))
        print(f"matches per player: median {statistics.median(sizes):.0f}, max {max(sizes)}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()

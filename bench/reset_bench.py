"""Can ``POST /reset``'s timing tell a known address from an unknown one? (issue 14, item 5)

Times ``POST /reset`` through Flask's test client for the address of a verified player and for
addresses no account uses, alternated request by request (which goes first alternates too) in
rounds, and prints each one's median and their ratio; the two must be within 10 %. Each POST comes from
a new visitor who has just fetched the form (that GET is not timed).

    .venv/bin/python bench/reset_bench.py [--requests 200] [--rounds 6]

Embedded (a fresh SQLite file, no Redis) by default; with BENCH_DATABASE_URL (a PostgreSQL
database it may wipe) and BENCH_REDIS_URL (a Redis database it may flush), the production
topology. Embedded mode runs each job inline right after the request's commit, inside the
request, so there the known address also pays for the mail it gets; with Redis the request
only queues the job, and the ratio is the request's own. Rate limits are off (as in every
benchmark): their cost is the same for every address. Exits 1 when the ratio is outside 10 %
with Redis.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import TOKEN, environment, seed  # noqa: E402

KNOWN = "golfer@example.com"  # bench.load.seed's verified player


def post_ms(app: Flask, address: str) -> float:
    """One visitor: fetch the form (not timed), then the timed POST."""
    client = app.test_client()
    match = TOKEN.search(client.get("/reset").get_data(as_text=True))
    assert match, "no CSRF token on /reset"
    token = match.group(1)
    began = time.perf_counter()
    answer = client.post("/reset", data={"email": address, "csrf_token": token})
    took = (time.perf_counter() - began) * 1000
    assert answer.status_code == 303, answer.status_code
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per address per round")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    env, mode = environment(Path(tempfile.mkdtemp(prefix="fairway-reset-")))
    os.environ.clear()
    os.environ.update(env)  # create_app() below reads its settings from here
    seed(env)

    from app import create_app

    app = create_app()
    logging.disable(logging.INFO)  # no MAIL_SERVER: embedded mode would print every mail
    unknown = iter(f"nobody{n}@example.com" for n in range(10**9))

    def address(kind: str) -> str:
        return KNOWN if kind == "known" else next(unknown)

    for kind in ("known", "unknown") * 20:  # warm up: connections, caches, templates
        post_ms(app, address(kind))
    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    round_medians: dict[str, list[float]] = {"known": [], "unknown": []}
    for _ in range(args.rounds):
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for number in range(args.requests):
            # Back to back, first one then the other: the machine's drift hits both alike.
            for kind in ("known", "unknown") if number % 2 == 0 else ("unknown", "known"):
                times[kind].append(post_ms(app, address(kind)))
        for kind, taken in times.items():
            samples[kind].extend(taken)
            round_medians[kind].append(statistics.median(taken))

    known, unknown_ms = statistics.median(samples["known"]), statistics.median(samples["unknown"])
    ratio = known / unknown_ms
    print(f"POST /reset, {mode}, {args.rounds} alternating rounds of {args.requests} per address")
    for kind in ("known", "unknown"):
        rounds = ", ".join(f"{value:.2f}" for value in round_medians[kind])
        print(f"  {kind + ' address':16} median {statistics.median(samples[kind]):6.2f} ms   "
              f"(rounds: {rounds})")
    within = abs(ratio - 1) <= 0.10
    print(f"  known / unknown  {ratio:.3f}   {'within' if within else 'OUTSIDE'} 10 %")
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    return 0 if within or "services" not in mode else 1


if __name__ == "__main__":
    sys.exit(main())

"""The referral link's own cost, in process: where ``bench/load.py``'s ratio for ``/r/<code>`` comes from.

Times ``GET /r/<code>`` for a new visitor (no cookies: remembered and counted) through Flask's
test client, against the bare Flask baseline app and against a trivial view registered on
Fairway itself (its stack: sessions, CSRF, login, headers), in rounds that alternate the three.

    .venv/bin/python bench/link_bench.py [--requests 2000] [--rounds 5] [--profile]

Embedded (a fresh SQLite file, no Redis) by default; with BENCH_DATABASE_URL (a PostgreSQL
database it may wipe) and BENCH_REDIS_URL (a Redis database it may flush), the production
topology. ``--profile`` prints a pyinstrument profile of the link (extra ``bench``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.wrappers import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import environment, seed  # noqa: E402


def per_request_us(client: FlaskClient, path: str, count: int) -> float:
    """Median microseconds of ``count`` GETs of ``path``."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    env, mode = environment(Path(tempfile.mkdtemp(prefix="fairway-link-")))
    os.environ.clear()
    os.environ.update(env)  # create_app() below reads its settings from here
    _, code = seed(env)

    import gc

    from app import create_app
    from bench.baseline_app import app as baseline

    fairway = create_app()

    @fairway.get("/bench/trivial")
    def trivial() -> Response:
        return Response(status=303, headers={"Location": "/register"})

    gc.freeze()  # as gunicorn.conf.py does once the app is loaded
    clients = {
        "baseline (bare Flask)": (baseline.test_client(use_cookies=False), "/healthz"),
        "Fairway, trivial view": (fairway.test_client(use_cookies=False), "/bench/trivial"),
        "GET /r/<code>": (fairway.test_client(use_cookies=False), f"/r/{code}"),
    }
    for client, path in clients.values():
        per_request_us(client, path, 200)  # warm up: connections, caches
    figures: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(args.rounds):
        for name, (client, path) in clients.items():
            figures[name].append(per_request_us(client, path, args.requests))

    print(f"Referral link in process, {mode}, median µs per request over {args.rounds} rounds "
          f"of {args.requests}")
    base = statistics.median(figures["baseline (bare Flask)"])
    for name, rounds in figures.items():
        value = statistics.median(rounds)
        print(f"  {name:24} {value:8.0f} µs   {base / value:5.2f} × baseline")

    if args.profile:
        from pyinstrument import Profiler

        client, path = clients["GET /r/<code>"]
        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(args.requests):
            client.get(path)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    from app.referrals import clicks

    clicks.buffer(fairway).hand_on()
    return 0


if __name__ == "__main__":
    sys.exit(main())

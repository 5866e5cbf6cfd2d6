"""Signed-in pages under load: gunicorn (2 workers × 4 threads) under wrk with a signed-in
player's session cookie, against a bare Flask baseline, on realistic data.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fw_perf_bench \\
    BENCH_REDIS_URL=redis://127.0.0.1:6390/0 .venv/bin/python bench/pages_load.py \\
        [--players 100000] [--messages 1000000] [--conversations 500] [--connections 8]
        [--duration 3] [--rounds 5] [--only /messages] [--keep-data]

Data (``bench/dataset.py``, PostgreSQL ``COPY``): ``--players`` accounts with profiles, the
focus player ``p1`` with ``--conversations`` conversations among ``--messages`` messages, 50
follows each way and 200 notifications. The focus player signs in over HTTP (sessions live in
Redis in services mode); wrk sends that cookie. Every page is measured in ``--rounds`` rounds
that alternate the baseline and the page at the same concurrency; the ratio page / baseline is
taken within each round and reported as min / median / max. The first request of each page on
a freshly started server (cold: the worker's first query plans, templates compiled) is timed
once beside the warm figures. Any answer but 200 counts as an error (a redirect to the sign-in
form would mean the cookie was refused). Services mode (PostgreSQL + Redis) when both BENCH_*
variables are set, otherwise SQLite (give smaller ``--players``/``--messages`` there).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.load import (  # noqa: E402
    PASSWORD,
    REPORT,
    TOKEN,
    NoRedirect,
    environment,
    free_port,
    start,
    stop,
    wrk,
)

FOCUS = 1


def seed(env: dict[str, str], players: int, messages: int, partners: int) -> dict[str, str]:
    """Fresh data at the given sizes; returns the page paths to measure."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.clock import utcnow
    from app.config import database_url
    from app.identity import passwords

    url = database_url(env["DATABASE_URL"], str(ROOT / "instance"))
    if url.startswith("postgresql"):
        dataset.create_database(url)
        dataset.reset_postgresql(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"], "REDIS_URL": None,
                      "SESSION_TYPE": "sqlalchemy", "RATELIMIT_ENABLED": False, "MAIL_SERVER": None})
    with app.app_context():
        upgrade(revision="heads")
    engine = sa.create_engine(url)
    rng = random.Random(20)
    now = utcnow()
    began = time.perf_counter()
    dataset.players(engine, players, now=now, password_hash=passwords.hash_password(PASSWORD), rng=rng)
    ids = list(range(1, players + 1))
    dataset.conversations(engine, focus=FOCUS, player_ids=ids, partners=partners, messages=messages,
                          now=now, rng=rng)
    pals = rng.sample(ids[1:], 250)
    dataset.follows(engine, focus=FOCUS, followed=pals[:50], now=now)
    dataset.notifications(engine, focus=FOCUS, actors=pals[50:250], now=now)
    dataset.analyze(engine)
    with engine.connect() as conn:
        partner = conn.scalar(sa.text(
            "SELECT u.username FROM conversations c JOIN users u ON u.id = c.high_id "
            "WHERE c.low_id = :me ORDER BY c.last_at DESC LIMIT 1"), {"me": FOCUS})
    engine.dispose()
    print(f"data: {players} players, {messages} messages ({partners} conversations for p{FOCUS}) "
          f"in {time.perf_counter() - began:.0f} s", flush=True)
    return {
        "GET / (timeline)": "/",
        "GET /u/<name>": f"/u/p{pals[0]}",
        "GET /players": "/players",
        "GET /messages": "/messages",
        "GET /messages/<name>": f"/messages/{partner}",
        "GET /notifications": "/notifications",
    }


def sign_in(base: str, username: str) -> str:
    """The ``Cookie`` header of a session signed in as ``username``."""
    cookies = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(cookies, NoRedirect())
    with opener.open(base + "/login", timeout=10) as page:
        token = TOKEN.search(page.read().decode())
    assert token, "no CSRF token on /login"
    body = urllib.parse.urlencode({"login": username, "password": PASSWORD, "csrf_token": token.group(1)})
    try:
        opener.open(base + "/login", data=body.encode(), timeout=30).close()
    except urllib.error.HTTPError as answer:
        assert answer.code == 303, f"sign-in answered {answer.code}"
    header = "; ".join(f"{c.name}={c.value}" for c in cookies.cookiejar)
    assert header, "no session cookie after signing in"
    return header


def first_call(url: str, cookie: str) -> float:
    began = time.perf_counter()
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200, (url, answer.status)
        answer.read()
    return (time.perf_counter() - began) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default=None, help="measure only pages whose name contains this")
    parser.add_argument("--keep-data", action="store_true",
                        help="reuse the data a previous run left (same sizes), skip seeding")
    parser.add_argument("--out", default=None, help="write the figures as JSON to this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fairway-pages-"))
    env, mode = environment(work)
    marker = ROOT / "instance" / "pages_load.json"
    if args.keep_data and marker.exists():
        pages = json.loads(marker.read_text())
    else:
        pages = seed(env, args.players, args.messages, args.conversations)
        marker.parent.mkdir(exist_ok=True)
        marker.write_text(json.dumps(pages))
    if args.only:
        pages = {name: path for name, path in pages.items() if args.only in name}
    script = work / "report.lua"
    script.write_text(REPORT)

    base_port, port = free_port(), free_port()
    baseline_server = start("bench.baseline_app:app", base_port, env)
    server = start("wsgi:app", port, env)
    base = f"http://127.0.0.1:{port}"
    baseline_url = f"http://127.0.0.1:{base_port}/healthz"
    rows = []
    try:
        cookie = sign_in(base, f"p{FOCUS}")
        cold = {name: first_call(base + path, cookie) for name, path in pages.items()}
        # wrk sends the cookie with every request.
        script.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n' + REPORT)
        for name, path in pages.items():
            ratios, measured, references = [], [], []
            for n in range(args.rounds):
                # Alternate which goes first, so a drift inside a round falls on both alike.
                if n % 2 == 0:
                    reference = wrk("baseline", baseline_url, args.connections, args.duration, script)
                    page = wrk(name, base + path, args.connections, args.duration, script)
                else:
                    page = wrk(name, base + path, args.connections, args.duration, script)
                    reference = wrk("baseline", baseline_url, args.connections, args.duration, script)
                ratios.append(page.rps / reference.rps)
                measured.append(page)
                references.append(reference)
            row = {
                "page": name, "path": path, "cold_ms": round(cold[name], 1),
                "rps": round(statistics.median(r.rps for r in measured)),
                "p50_ms": round(statistics.median(r.p50_ms for r in measured), 2),
                "p99_ms": round(statistics.median(r.p99_ms for r in measured), 2),
                "baseline_rps": round(statistics.median(r.rps for r in references)),
                "ratio_min": round(min(ratios), 3), "ratio_median": round(statistics.median(ratios), 3),
                "ratio_max": round(max(ratios), 3), "errors": sum(r.errors for r in measured),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        stop(server)
        stop(baseline_server)

    print(f"\nSigned-in pages, {mode}, gunicorn 2 workers x 4 threads, wrk {args.connections} connections, "
          f"{args.duration}s x {args.rounds} rounds alternating with the bare Flask baseline")
    print(f"{'page':22} {'cold ms':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'base/s':>7} "
          f"{'x base min/med/max':>20} {'err':>4}")
    for r in rows:
        print(f"{r['page']:22} {r['cold_ms']:8.1f} {r['rps']:7d} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} "
              f"{r['baseline_rps']:7d} {r['ratio_min']:6.3f}/{r['ratio_median']:.3f}/{r['ratio_max']:.3f} "
              f"{r['errors']:4d}")
    if args.out:
        Path(args.out).write_text(json.dumps({"mode": mode, "connections": args.connections, "rows": rows},
                                             indent=1))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

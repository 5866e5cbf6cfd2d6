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
once beside the warm figures. Beside throughput, the CPU time each server uses per request is
read from /proc (Fairway: gunicorn, its PostgreSQL backends and its Redis server; the baseline:
gunicorn): on this shared machine other programs take the cores and throughput swings, while CPU
per request does not, so baseline CPU / page CPU is what the throughput ratio would be with
cores to spare. Beside the pages, two floors (``bench/floor_app.py``, which serves Fairway with
two extra routes): a signed-in request answered with plain text, and one answered with the
layout around an empty page: what any signed-in page costs before its own work. Any answer
but 200 counts as an error (a redirect to the sign-in form would mean the cookie was refused).
Services mode (PostgreSQL + Redis) when both BENCH_* variables are set, otherwise SQLite (give
smaller ``--players``/``--messages`` there).
"""

from __future__ import annotations

import argparse
import json
import os
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


def ticks(pids: list[int]) -> dict[int, int]:
    """CPU ticks (user + system) used so far by each of ``pids`` still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[pid] = int(fields[11]) + int(fields[12])
    return found


class CpuMeter:
    """The CPU time a server spends serving: its gunicorn master and workers and, for Fairway,
    the PostgreSQL backends connected to its database and its Redis server. Unlike throughput it
    does not move when other programs on this shared machine take the cores, so the ratio of
    CPU per request is what the throughput ratio would be on a machine with cores to spare."""

    def __init__(self, server_pid: int, database_url: str | None = None,
                 redis_url: str | None = None) -> None:
        self.server_pid = server_pid
        self.database_url = database_url
        self.redis_pid: int | None = None
        if redis_url:
            from redis import Redis

            self.redis_pid = int(Redis.from_url(redis_url).info("server")["process_id"])

    def pids(self) -> list[int]:
        pids = [self.server_pid]
        children = Path(f"/proc/{self.server_pid}/task/{self.server_pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        if self.redis_pid:
            pids.append(self.redis_pid)
        if self.database_url:
            import sqlalchemy as sa

            engine = sa.create_engine(dataset.database_url(self.database_url), poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                pids += list(conn.scalars(sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")))
            engine.dispose()
        return pids

    def snapshot(self) -> dict[int, int]:
        return ticks(self.pids())

    @staticmethod
    def seconds(before: dict[int, int], after: dict[int, int]) -> float:
        used = sum(value - before.get(pid, 0) for pid, value in after.items())
        return used / os.sysconf("SC_CLK_TCK")


def measured(meter: CpuMeter, name: str, url: str, connections: int, duration: int, script: Path) -> tuple:
    """wrk against ``url``, and the server's CPU microseconds per request meanwhile."""
    before = meter.snapshot()
    result = wrk(name, url, connections, duration, script)
    used = CpuMeter.seconds(before, meter.snapshot())
    requests = max(1.0, result.rps * duration)
    return result, used / requests * 1e6


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


#: What every signed-in page costs before its own work (bench/floor_app.py): the session and
#: the player alone, then with the layout (navigation statement and base.html) around nothing.
FLOORS = {
    "floor: signed in, plain text": "/bench/floor/plain",
    "floor: signed in, empty layout": "/bench/floor/layout",
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
    pages.update(FLOORS)
    if args.only:
        pages = {name: path for name, path in pages.items() if args.only in name}
    script = work / "report.lua"
    script.write_text(REPORT)

    base_port, port = free_port(), free_port()
    baseline_server = start("bench.baseline_app:app", base_port, env)
    server = start("bench.floor_app:app", port, env)  # wsgi:app and the two floor pages
    base = f"http://127.0.0.1:{port}"
    baseline_url = f"http://127.0.0.1:{base_port}/healthz"
    rows = []
    try:
        cookie = sign_in(base, f"p{FOCUS}")
        cold = {name: first_call(base + path, cookie) for name, path in pages.items()}
        # wrk sends the cookie with every request.
        script.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n' + REPORT)
        services = mode.startswith("services")
        app_meter = CpuMeter(server.pid, env["DATABASE_URL"] if services else None,
                             env.get("REDIS_URL") if services else None)
        base_meter = CpuMeter(baseline_server.pid)
        for name, path in pages.items():
            ratios, cpu_ratios, measured_rows, references, app_cpu, base_cpu = [], [], [], [], [], []
            for n in range(args.rounds):
                # Alternate which goes first, so a drift inside a round falls on both alike.
                if n % 2 == 0:
                    reference, ref_cpu = measured(base_meter, "baseline", baseline_url, args.connections,
                                                  args.duration, script)
                    page, page_cpu = measured(app_meter, name, base + path, args.connections,
                                              args.duration, script)
                else:
                    page, page_cpu = measured(app_meter, name, base + path, args.connections,
                                              args.duration, script)
                    reference, ref_cpu = measured(base_meter, "baseline", baseline_url, args.connections,
                                                  args.duration, script)
                ratios.append(page.rps / reference.rps)
                cpu_ratios.append(ref_cpu / page_cpu)
                measured_rows.append(page)
                references.append(reference)
                app_cpu.append(page_cpu)
                base_cpu.append(ref_cpu)
            measured_ = measured_rows
            row = {
                "page": name, "path": path, "cold_ms": round(cold[name], 1),
                "rps": round(statistics.median(r.rps for r in measured_)),
                "p50_ms": round(statistics.median(r.p50_ms for r in measured_), 2),
                "p99_ms": round(statistics.median(r.p99_ms for r in measured_), 2),
                "baseline_rps": round(statistics.median(r.rps for r in references)),
                "ratio_min": round(min(ratios), 3), "ratio_median": round(statistics.median(ratios), 3),
                "ratio_max": round(max(ratios), 3), "errors": sum(r.errors for r in measured_),
                "cpu_us": round(statistics.median(app_cpu)),
                "baseline_cpu_us": round(statistics.median(base_cpu)),
                "cpu_ratio_min": round(min(cpu_ratios), 3),
                "cpu_ratio_median": round(statistics.median(cpu_ratios), 3),
                "cpu_ratio_max": round(max(cpu_ratios), 3),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        stop(server)
        stop(baseline_server)

    print(f"\nSigned-in pages, {mode}, gunicorn 2 workers x 4 threads, wrk {args.connections} connections, "
          f"{args.duration}s x {args.rounds} rounds alternating with the bare Flask baseline")
    print(f"{'page':22} {'cold ms':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'base/s':>7} "
          f"{'x base min/med/max':>20} {'CPU us':>7} {'base us':>7} {'CPU x base min/med/max':>23} "
          f"{'err':>4}")
    for r in rows:
        print(f"{r['page']:22} {r['cold_ms']:8.1f} {r['rps']:7d} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} "
              f"{r['baseline_rps']:7d} {r['ratio_min']:6.3f}/{r['ratio_median']:.3f}/{r['ratio_max']:.3f} "
              f"{r['cpu_us']:7d} {r['baseline_cpu_us']:7d} "
              f"{r['cpu_ratio_min']:7.3f}/{r['cpu_ratio_median']:.3f}/{r['cpu_ratio_max']:.3f} "
              f"{r['errors']:4d}")
    if args.out:
        Path(args.out).write_text(json.dumps({"mode": mode, "connections": args.connections, "rows": rows},
                                             indent=1))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

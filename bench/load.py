"""Load benchmark: gunicorn (2 workers, rate limits off) under wrk, against a bare Flask baseline.

    .venv/bin/python bench/load.py [--duration 5] [--concurrency 1,4,16,64] [--rounds 3] [--out docs]

Measures throughput and p50/p95/p99 latency of GET /r/<code>, GET /api/referral/resolve,
GET /u/<username>, GET /healthz and a login (GET the form, then the timed POST), each as a
ratio to a bare Flask app answering /healthz under the same gunicorn settings, in the same run.
Services mode (PostgreSQL + Redis, the production topology) when BENCH_DATABASE_URL (a
PostgreSQL database it may wipe) and BENCH_REDIS_URL (a Redis database it may flush) are set,
otherwise the embedded default on a fresh SQLite file. Needs ``wrk`` (Debian package) on PATH;
writes a PNG plot of latency against concurrency when matplotlib is installed (extra ``bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password-for-load-7"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Result:
    name: str
    concurrency: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    ratio: float = float("nan")


def median_result(rounds: list[Result]) -> Result:
    """The median of each figure over rounds of one measurement (errors are summed)."""
    first = rounds[0]

    def mid(name: str) -> float:
        return statistics.median(getattr(r, name) for r in rounds)

    return Result(first.name, first.concurrency, mid("rps"), mid("p50_ms"), mid("p95_ms"), mid("p99_ms"),
                  sum(r.errors for r in rounds), mid("ratio"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(work: Path) -> tuple[dict[str, str], str]:
    """Fairway's settings for a benchmark, and the mode's name: services mode (PostgreSQL +
    Redis) when BENCH_DATABASE_URL and BENCH_REDIS_URL are set (the Redis database is flushed),
    otherwise embedded on a fresh SQLite file in ``work``."""
    env = {**os.environ, "SECRET_KEY": "bench-secret", "RATELIMIT_ENABLED": "false", "MAIL_SERVER": "",
           "FLASK_ENV": "production", "SESSION_COOKIE_SECURE": "false"}
    if os.environ.get("BENCH_DATABASE_URL") and os.environ.get("BENCH_REDIS_URL"):
        from redis import Redis

        env.update(DATABASE_URL=os.environ["BENCH_DATABASE_URL"], REDIS_URL=os.environ["BENCH_REDIS_URL"])
        Redis.from_url(env["REDIS_URL"]).flushdb()
        return env, "services (PostgreSQL + Redis)"
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{work / 'bench.db'}"
    return env, "embedded (SQLite)"


def seed(env: dict[str, str]) -> tuple[str, str]:
    """A fresh database with one verified player; returns (username, referral code)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.config import database_url
    from app.extensions import db
    from app.identity import services as identity
    from app.referrals import services as referrals

    url = database_url(env["DATABASE_URL"], str(ROOT / "instance"))
    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"], "REDIS_URL": None,
                      "SESSION_TYPE": "sqlalchemy", "RATELIMIT_ENABLED": False, "MAIL_SERVER": None})
    with app.app_context():
        upgrade(revision="heads")
    with app.test_request_context():
        user = identity.register("golfer", "golfer@example.com", PASSWORD).user
        user.email_verified_at = user.created_at
        db.session.commit()
        code = referrals.current_code(user)
        db.session.commit()
        db.engine.dispose()
    return "golfer", code


def start(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", target],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
             "GUNICORN_ACCESSLOG": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # a loaded machine may take a while to import the app
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{target} did not come up on port {port}")


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=20)


def wrk(name: str, url: str, concurrency: int, duration: int, script: Path) -> Result:
    threads = min(concurrency, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    seconds = figures["duration_us"] / 1e6
    return Result(name, concurrency, figures["requests"] / seconds, figures["p50_us"] / 1000,
                  figures["p95_us"] / 1000, figures["p99_us"] / 1000,
                  figures["socket_errors"] + figures["bad_status"])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def login_load(base: str, username: str, concurrency: int, duration: int) -> Result:
    """Each client opens a fresh session, fetches the login form, then times the POST."""
    samples: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client() -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect())
            with opener.open(base + "/login", timeout=10) as page:
                token = TOKEN.search(page.read().decode())
            assert token, "no CSRF token on /login"
            body = urllib.parse.urlencode({"login": username, "password": PASSWORD,
                                           "csrf_token": token.group(1)}).encode()
            began = time.perf_counter()
            try:
                opener.open(base + "/login", data=body, timeout=10).close()
                status = 200
            except urllib.error.HTTPError as answer:
                status = answer.code
            elapsed = time.perf_counter() - began
            with lock:
                samples.append(elapsed)
                errors += status != 303

    began = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(concurrency)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - began
    ordered = sorted(samples)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] * 1000

    return Result("login POST", concurrency, len(samples) / seconds, pct(0.50), pct(0.95), pct(0.99), errors)


def plot(results: list[Result], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (extra 'bench'): no plot")
        return False
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in dict.fromkeys(r.name for r in results):
        rows = [r for r in results if r.name == name]
        levels = [r.concurrency for r in rows]
        left.plot(levels, [r.p50_ms for r in rows], marker="o", label=name)
        right.plot(levels, [r.p95_ms for r in rows], marker="o", label=name)
    for axis, title in ((left, "p50 latency"), (right, "p95 latency")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("concurrent connections")
        axis.set_ylabel("ms")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,4,16,64")
    parser.add_argument("--login-concurrency", default="1,4")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per point")
    parser.add_argument("--out", default=None, help="folder for load.json and load.png")
    parser.add_argument("--only", default=None,
                        help="measure only endpoints whose name contains this (e.g. /r/), no login")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    levels = [int(c) for c in args.concurrency.split(",")]

    work = Path(tempfile.mkdtemp(prefix="fairway-load-"))
    env, mode = environment(work)
    username, code = seed(env)
    script = work / "report.lua"
    script.write_text(REPORT)

    # Both servers stay up; every Fairway point is measured in rounds that alternate with the
    # baseline at the same concurrency, and each ratio is taken within its round: this VM's
    # speed drifts by a factor of two or more over a minute, which separate passes would
    # mistake for the app.
    base_port, port = free_port(), free_port()
    baseline_server = start("bench.baseline_app:app", base_port, env)
    server = start("wsgi:app", port, env)
    baseline_url = f"http://127.0.0.1:{base_port}/healthz"
    base = f"http://127.0.0.1:{port}"
    targets = {
        "GET /healthz": "/healthz",
        "GET /r/<code>": f"/r/{code}",
        "GET /api/referral/resolve": f"/api/referral/resolve?code={code}",
        "GET /u/<username>": f"/u/{username}",
    }
    if args.only:
        targets = {name: path for name, path in targets.items() if args.only in name}
        args.login_concurrency = ""
    baselines: dict[int, list[Result]] = {level: [] for level in levels}
    results: list[Result] = []
    try:
        for name, path in targets.items():
            for level in levels:
                rounds = []
                for _ in range(args.rounds):
                    reference = wrk("baseline (bare Flask)", baseline_url, level, args.duration, script)
                    measured = wrk(name, base + path, level, args.duration, script)
                    baselines[level].append(reference)
                    measured.ratio = measured.rps / reference.rps
                    rounds.append(measured)
                results.append(median_result(rounds))
        for level in (int(c) for c in args.login_concurrency.split(",") if c):
            reference = wrk("baseline (bare Flask)", baseline_url, level, args.duration, script)
            measured = login_load(base, username, level, args.duration)
            measured.ratio = measured.rps / reference.rps
            results.append(measured)
    finally:
        stop(server)
        stop(baseline_server)
    results = [median_result(rows) for rows in baselines.values() if rows] + results
    for row in results[: len(levels)]:
        row.ratio = 1.0

    print(f"Fairway load benchmark, {date.today()}, {platform.node()}, {os.cpu_count()} cores, "
          f"{mode}, gunicorn 2 workers x 4 threads, {args.duration}s per point, "
          f"median of {args.rounds} rounds alternating with the baseline")
    print(f"{'endpoint':28} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'err':>4} {'x baseline':>10}")
    for r in results:
        print(f"{r.name:28} {r.concurrency:4d} {r.rps:8.0f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} {r.p99_ms:8.2f} "
              f"{r.errors:4d} {r.ratio:10.2f}")
    ratios = [r.ratio for r in results if r.name == "GET /r/<code>"]
    print(f"GET /r/<code> throughput vs baseline: median ratio {statistics.median(ratios):.2f} "
          "(target >= 0.6)")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "load.json").write_text(json.dumps(
            {"date": str(date.today()), "mode": mode, "results": [asdict(r) for r in results]}, indent=1))
        if plot(results, out / "load.png"):
            print(f"plot written to {out / 'load.png'}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

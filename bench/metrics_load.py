"""What metrics cost the busiest page: ``GET /r/<code>`` under wrk, metrics on against off.

    .venv/bin/python bench/metrics_load.py [--duration 5] [--concurrency 1,4,16,64] [--rounds 4]

Two Fairway servers run side by side under the same gunicorn settings (2 workers x 4 threads,
rate limits off): one without ``METRICS_TOKEN`` (nothing measured, no hooks on the request
path) and one with it (every request timed into the multiprocess histogram, clicks counted as
they are handed on, and ``/metrics`` scraped every 5 s meanwhile, three times as often as the
compose Prometheus does). Each concurrency level is measured in rounds that alternate the two
(off-on, then on-off), and the on/off throughput ratio is taken within each round, so the
VM's drift cancels out; the table shows medians over the rounds. Target: on >= 0.95 x off.
Same modes as bench/load.py (BENCH_DATABASE_URL + BENCH_REDIS_URL for services mode).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import REPORT, environment, free_port, seed, start, stop, wrk  # noqa: E402

TOKEN = "bench-metrics-token-0123456789"


def cpu_seconds(server_pid: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master and its workers: unlike
    throughput, it does not move when other programs on this shared machine take the cores."""
    pids = [server_pid]
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def scraper(base: str, every: float, done: threading.Event) -> threading.Thread:
    def run() -> None:
        request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        while not done.wait(every):
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,4,16,64")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per level")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    levels = [int(c) for c in args.concurrency.split(",")]

    work = Path(tempfile.mkdtemp(prefix="fairway-metrics-load-"))
    env, mode = environment(work)
    env.pop("METRICS_TOKEN", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn.conf.py makes one per server
    _, code = seed(env)
    script = work / "report.lua"
    script.write_text(REPORT)
    off_port, on_port = free_port(), free_port()
    off_server = start("wsgi:app", off_port, env)
    on_server = start("wsgi:app", on_port, {**env, "METRICS_TOKEN": TOKEN})
    servers = {"off": off_server, "on": on_server}
    urls = {"off": f"http://127.0.0.1:{off_port}/r/{code}", "on": f"http://127.0.0.1:{on_port}/r/{code}"}
    done = threading.Event()
    scraper(f"http://127.0.0.1:{on_port}", 5.0, done)
    rows = []
    try:
        for level in levels:
            rps: dict[str, list[float]] = {"off": [], "on": []}
            p99: dict[str, list[float]] = {"off": [], "on": []}
            cpu: dict[str, list[float]] = {"off": [], "on": []}
            ratios = []
            for round_ in range(args.rounds):
                order = ("off", "on") if round_ % 2 == 0 else ("on", "off")
                measured = {}
                for name in order:
                    began = cpu_seconds(servers[name].pid)
                    measured[name] = wrk(f"/r/ metrics {name}", urls[name], level, args.duration, script)
                    used = cpu_seconds(servers[name].pid) - began
                    cpu[name].append(used * 1e6 / (measured[name].rps * args.duration))
                for name, result in measured.items():
                    assert result.errors == 0, f"{result.errors} errors with metrics {name}"
                    rps[name].append(result.rps)
                    p99[name].append(result.p99_ms)
                ratios.append(measured["on"].rps / measured["off"].rps)
            rows.append((level, statistics.median(rps["off"]), statistics.median(rps["on"]),
                         statistics.median(p99["off"]), statistics.median(p99["on"]),
                         statistics.median(ratios), min(ratios), max(ratios),
                         statistics.median(cpu["off"]), statistics.median(cpu["on"])))
    finally:
        done.set()
        stop(on_server)
        stop(off_server)
        shutil.rmtree(work, ignore_errors=True)

    print(f"Fairway metrics cost on GET /r/<code>, {date.today()}, {platform.node()}, "
          f"{os.cpu_count()} cores, {mode}, gunicorn 2 workers x 4 threads, {args.duration}s per point, "
          f"median of {args.rounds} alternating rounds")
    print(f"{'conc':>4} {'off req/s':>10} {'on req/s':>10} {'off p99 ms':>10} {'on p99 ms':>10} "
          f"{'on/off':>7} {'range':>12} {'off CPU us/req':>14} {'on CPU us/req':>13} {'off/on CPU':>10}")
    for level, off_rps, on_rps, off_p99, on_p99, ratio, low, high, off_cpu, on_cpu in rows:
        print(f"{level:4d} {off_rps:10.0f} {on_rps:10.0f} {off_p99:10.2f} {on_p99:10.2f} {ratio:7.3f} "
              f"{low:5.3f}-{high:5.3f} {off_cpu:14.0f} {on_cpu:13.0f} {off_cpu / on_cpu:10.3f}")
    overall = statistics.median(row[5] for row in rows)
    print(f"metrics on / off throughput, median over levels: {overall:.3f} (target >= 0.95)")
    cpu_ratio = statistics.median(row[8] / row[9] for row in rows)
    print(f"server CPU per request, off / on, median over levels: {cpu_ratio:.3f} "
          "(the throughput ratio a CPU-bound server would show)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

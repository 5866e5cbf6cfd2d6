"""Benchmarks that print figures (not timed tests)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    """The sample at quantile ``q`` (0..1) of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_database_url(given: str | None) -> str | None:
    """The database a benchmark runs on: ``--database-url``, else ``BENCH_DATABASE_URL`` (the one
    ``make bench`` passes on), else None (a fresh SQLite file). ``postgresql://`` becomes
    ``postgresql+psycopg://``, the driver Fairway uses."""
    from bench.dataset import database_url

    url = given or os.environ.get("BENCH_DATABASE_URL") or None
    return database_url(url) if url else None


def fresh_database(given: str | None, folder: str) -> str:
    """The URL a benchmark that seeds its own data runs on (see ``bench_database_url``): an empty
    PostgreSQL schema (the database is created if missing, its public schema wiped), or a new
    SQLite file in ``folder``."""
    from pathlib import Path

    from bench import dataset

    url = bench_database_url(given)
    if url is None:
        return f"sqlite:///{Path(folder) / 'bench.db'}"
    if url.startswith("postgresql"):
        dataset.create_database(url)
        dataset.reset_postgresql(url)
    return url


def alternate(calls: dict[str, Callable[[], Any]], rounds: int,
              per_round: int) -> dict[str, list[list[float]]]:
    """Time each of ``calls`` ``per_round`` times in each of ``rounds`` rounds, call by call in
    turn (a, b, a, b, ...), so the machine's drift falls on all alike. Returns each call's
    samples (ms) by round."""
    samples: dict[str, list[list[float]]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name in calls:
            samples[name].append([])
        for _ in range(per_round):
            for name, call in calls.items():
                began = time.perf_counter()
                call()
                samples[name][-1].append((time.perf_counter() - began) * 1000)
    return samples


def ratio_range(ours: list[list[float]], reference: list[list[float]],
                q: float = 0.5) -> tuple[float, float, float]:
    """Min, median and max over the rounds of (ours / reference) at quantile ``q`` of each round."""
    ratios = [percentile(a, q) / percentile(b, q) for a, b in zip(ours, reference, strict=True)]
    return min(ratios), statistics.median(ratios), max(ratios)

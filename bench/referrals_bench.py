"""Referral code latency and invite minting throughput.

  - time-to-code: per sign-up, the invite gate (code mint + attribution), the ``user_registered``
    listeners and the commit, on an account row just flushed, over N sign-ups (p50 / p95 / max);
  - mints/s: invite codes minted and committed in batches.

    .venv/bin/python bench/referrals_bench.py [--signups 10000] [--invites 20000] [--database-url URL]

Without --database-url it runs on a fresh SQLite file in a temporary folder; BENCH_DATABASE_URL
(a PostgreSQL database it may wipe) adds a run there.
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

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.config import database_url  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.identity.signals import user_registered  # noqa: E402
from app.referrals import attribution, services  # noqa: E402
from app.referrals.models import ReferralCode  # noqa: E402
from bench import percentile  # noqa: E402


def prepare(url: str):  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    if url.startswith("postgresql"):
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None,
                      "SESSION_TYPE": "sqlalchemy", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(revision="heads")
    return app


def bench_signups(app, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    with app.test_request_context():
        for i in range(count):
            user = User(username=f"bench{i}", email=f"bench{i}@example.com", password_hash="x")
            db.session.add(user)
            db.session.flush()
            start = time.perf_counter()
            assert attribution.admit_sign_up(user, None) is None
            user_registered.send(app, user=user, invite_code=None)
            db.session.commit()
            samples.append((time.perf_counter() - start) * 1000)
        missing = db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(
                ~User.id.in_(sa.select(ReferralCode.user_id))
            )
        )
    assert missing == 0, f"{missing} accounts without a code"
    return samples


def bench_mints(app, count: int) -> float:  # type: ignore[no-untyped-def]
    with app.app_context():
        start = time.perf_counter()
        done = 0
        while done < count:
            size = min(services.MINT_BATCH, count - done)
            services.mint_invites(size, uses=1)
            db.session.commit()
            done += size
        return count / (time.perf_counter() - start)


class Retries(logging.Handler):
    """Counts the warnings a code mint logs when it has to try again."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def run(label: str, url: str, signups: int, invites: int) -> None:
    app = prepare(url)
    retries = Retries()
    logging.getLogger("app.referrals.links").addHandler(retries)
    samples = bench_signups(app, signups)
    logging.getLogger("app.referrals.links").removeHandler(retries)
    print(f"[{label}] time-to-code over {signups} sign-ups: p50 {percentile(samples, 0.5):.2f} ms, "
          f"p95 {percentile(samples, 0.95):.2f} ms, max {max(samples):.2f} ms, "
          f"mean {statistics.fmean(samples):.2f} ms, mint retries {retries.count}")
    rate = bench_mints(app, invites)
    print(f"[{label}] invite mints: {rate:,.0f} codes/s over {invites} codes")
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signups", type=int, default=10_000)
    parser.add_argument("--invites", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        run("custom", database_url(args.database_url, ""), args.signups, args.invites)
        return
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}", args.signups, args.invites)
    pg = os.environ.get("BENCH_DATABASE_URL")
    if pg:
        run("postgresql", database_url(pg, ""), args.signups, args.invites)


if __name__ == "__main__":
    main()

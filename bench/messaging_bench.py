"""Inbox latency: the app's inbox service against its own SQL run raw, and against the inbox
computed the seed-002 way, same data.

Data (``bench/dataset.py``, ``COPY`` on PostgreSQL): ``--players`` accounts, ``--messages``
messages in all, ``--conversations`` conversations for the focus player (the rest between other
pairs); then the first inbox page (20 rows) of the focus player, timed three ways:
  - app:  ``messaging.services.inbox`` (a Core select of the conversation rows, which carry their
          last message and unread counts);
  - raw:  the very statement the app sends, run on the DBAPI cursor (no SQLAlchemy): what the
          database costs; app / raw is the Python overhead;
  - seed: seed 002's ``SELECT … EXCEPT … self-join`` restricted to the player's own messages (a
          per-user EXCEPT: the quadratic all-messages form takes tens of seconds a call), then the
          latest message of each pair, newest first, over a copy of the messages in a
          ``seed_messages(src_fk, dst_fk, …)`` table indexed on (src_fk, dst_fk) both ways.
The first call of each in the process is reported as "cold" (nothing cached: statement compiled,
plan made); then app and raw alternate call by call in ``--rounds`` rounds of ``--queries``, and
app and seed in rounds of ``--seed-queries``. Ratios are taken within each round (min / median /
max over the rounds).

    .venv/bin/python bench/messaging_bench.py [--messages 1000000] [--conversations 500]
        [--players 100000] [--queries 200] [--seed-queries 10] [--rounds 5] [--database-url URL]

The database: ``--database-url``, else ``BENCH_DATABASE_URL`` (a PostgreSQL database it may wipe;
``postgresql://`` is fine), else a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.messaging import services  # noqa: E402
from app.messaging.models import Message  # noqa: E402
from bench import (  # noqa: E402
    alternate,
    dataset,  # noqa: E402
    fresh_database,
    percentile,
    ratio_range,
)

BATCH = 20_000
FOCUS = 1

SEED_INBOX = """
WITH mine AS (
    SELECT src_fk, dst_fk FROM seed_messages WHERE src_fk = :me OR dst_fk = :me
), pairs AS (
    SELECT src_fk, dst_fk FROM mine
    EXCEPT
    SELECT t1.src_fk, t1.dst_fk FROM mine t1
    INNER JOIN mine t2 ON t1.src_fk = t2.dst_fk AND t1.dst_fk = t2.src_fk AND t1.src_fk > t1.dst_fk
), latest AS (
    SELECT (SELECT max(m.id) FROM seed_messages m
            WHERE (m.src_fk = pairs.src_fk AND m.dst_fk = pairs.dst_fk)
               OR (m.src_fk = pairs.dst_fk AND m.dst_fk = pairs.src_fk)) AS last_id
    FROM pairs
)
SELECT m.id, m.src_fk, m.dst_fk, m.body, m.created_at,
       (SELECT count(*) FROM seed_messages u
        WHERE u.dst_fk = :me AND u.src_fk = CASE WHEN m.src_fk = :me THEN m.dst_fk ELSE m.src_fk END
          AND u.read_at IS NULL) AS unread
FROM latest JOIN seed_messages m ON m.id = latest.last_id
ORDER BY m.id DESC
LIMIT 20
"""


def generate(players: int, focus_conversations: int, messages: int, rng: random.Random) -> None:
    now = utcnow()
    dataset.players(db.engine, players, now=now, rng=rng)
    dataset.conversations(db.engine, focus=FOCUS, player_ids=range(1, players + 1),  # type: ignore[arg-type]
                          partners=focus_conversations, messages=messages, now=now, rng=rng)


def copy_to_seed_schema() -> None:
    """The same messages as seed 002 stores them: sender and recipient columns on each row."""
    db.session.execute(sa.text(
        "CREATE TABLE seed_messages (id INTEGER PRIMARY KEY, src_fk INTEGER NOT NULL, "
        "dst_fk INTEGER NOT NULL, body VARCHAR(2000) NOT NULL, created_at TIMESTAMP NOT NULL, "
        "read_at TIMESTAMP)"
    ))
    db.session.execute(sa.text(
        "INSERT INTO seed_messages (id, src_fk, dst_fk, body, created_at, read_at) "
        "SELECT m.id, m.sender_id, CASE WHEN c.low_id = m.sender_id THEN c.high_id ELSE c.low_id END, "
        "m.body, m.created_at, CASE WHEN m.id % 3 = 0 THEN NULL ELSE m.created_at END "
        "FROM messages m JOIN conversations c ON c.id = m.conversation_id"
    ))
    db.session.execute(sa.text("CREATE INDEX ix_seed_messages_src_dst ON seed_messages (src_fk, dst_fk)"))
    db.session.execute(sa.text("CREATE INDEX ix_seed_messages_dst_src ON seed_messages (dst_fk, src_fk)"))
    db.session.commit()
    dataset.analyze(db.engine)


def raw_statement(call: Any) -> tuple[str, Any]:
    """The one statement ``call`` sends, with its parameters, as the DBAPI gets them."""
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert len(seen) == 1, seen
    return seen[0]


def show(name: str, rounds: list[list[float]]) -> None:
    flat = [sample for samples in rounds for sample in samples]
    print(f"{name:<34} n={len(flat):<5} p50={statistics.median(flat):9.3f} ms  "
          f"p95={percentile(flat, 0.95):9.3f} ms  p99={percentile(flat, 0.99):9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--players", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed-queries", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    workdir = tempfile.mkdtemp(prefix="fairway-bench-")
    url = fresh_database(args.database_url, workdir)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        if db.session.scalar(sa.select(sa.func.count()).select_from(Message)):
            sys.exit("The database already holds messages; give an empty one.")
        db.session.commit()
        start = time.perf_counter()
        generate(args.players, args.conversations, args.messages, rng)
        copy_to_seed_schema()
        print(f"generated {args.players} players, {args.messages} messages ({args.conversations} "
              f"conversations for the focus player) on {db.engine.dialect.name} "
              f"in {time.perf_counter() - start:.1f} s", flush=True)
        db.engine.dispose()  # a fresh connection: the first calls below are cold

        focus = db.session.get(User, FOCUS)
        assert focus is not None
        db.session.commit()
        raw = db.engine.raw_connection()
        cursor = raw.cursor()

        def app_inbox() -> Any:
            return services.inbox(focus)

        def seed_inbox() -> Any:
            return db.session.execute(sa.text(SEED_INBOX), {"me": FOCUS}).all()

        began = time.perf_counter()
        ours = app_inbox()
        cold_app = (time.perf_counter() - began) * 1000
        statement, parameters = raw_statement(app_inbox)

        def raw_inbox() -> Any:
            cursor.execute(statement, parameters)
            return cursor.fetchall()

        began = time.perf_counter()
        raw_rows = raw_inbox()
        cold_raw = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        theirs = seed_inbox()
        cold_seed = (time.perf_counter() - began) * 1000
        assert len(ours.rows) == len(theirs) == len(raw_rows[: len(ours.rows)]) == 20
        assert [row.other.id for row in ours.rows] == [
            row.dst_fk if row.src_fk == FOCUS else row.src_fk for row in theirs
        ], "the two inboxes disagree"

        print(f"cold (first call in the process): app {cold_app:.2f} ms, raw {cold_raw:.2f} ms, "
              f"seed {cold_seed:.2f} ms")
        warm = alternate({"app": app_inbox, "raw": raw_inbox}, args.rounds, args.queries)
        show("inbox, app (services.inbox)", warm["app"])
        show("inbox, raw SQL (DBAPI cursor)", warm["raw"])
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            low, mid, high = ratio_range(warm["app"], warm["raw"], q)
            print(f"{'app / raw at ' + label:<34} median {mid:.2f}  (min {low:.2f}, max {high:.2f} over "
                  f"{args.rounds} rounds)")
        versus = alternate({"app": app_inbox, "seed": seed_inbox}, args.rounds, args.seed_queries)
        show("inbox, seed-002 (per-user EXCEPT)", versus["seed"])
        low, mid, high = ratio_range(versus["seed"], versus["app"])
        print(f"{'seed / app at p50':<34} median {mid:,.1f}  (min {low:,.1f}, max {high:,.1f})")
        cursor.close()
        raw.close()
        db.session.rollback()


if __name__ == "__main__":
    main()

"""Inbox latency: the app's inbox (one indexed read of conversation rows) against the inbox
computed the seed-002 way (``SELECT … EXCEPT … self-join`` over every message), same data.

Generates players, a focus player with 500 conversations, and 1M messages in all (the rest
between other pairs), then times the first inbox page (20 rows) for the focus player:
  - app:  ``messaging.services.inbox`` — conversations carry their last message and unread counts;
  - seed: the unordered pairs from ``messages EXCEPT`` its self-join on swapped columns, then the
          latest message of each of the player's pairs, newest first (a copy of the messages in a
          ``seed_messages(src_fk, dst_fk, …)`` table indexed on (src_fk, dst_fk), as seed 002 has them).

    .venv/bin/python bench/messaging_bench.py [--messages 1000000] [--conversations 500]
        [--players 5000] [--queries 200] [--seed-queries 5] [--database-url URL]

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
from app.messaging import services  # noqa: E402
from app.messaging.models import Conversation, Message  # noqa: E402
from bench import percentile  # noqa: E402

BATCH = 20_000
FOCUS = 1

SEED_INBOX = """
WITH pairs AS (
    SELECT t1.src_fk, t1.dst_fk FROM seed_messages t1
    EXCEPT
    SELECT t1.src_fk, t1.dst_fk FROM seed_messages t1
    INNER JOIN seed_messages t2 ON t1.src_fk = t2.dst_fk AND t1.dst_fk = t2.src_fk AND t1.src_fk > t1.dst_fk
), mine AS (
    SELECT src_fk, dst_fk FROM pairs WHERE src_fk = :me OR dst_fk = :me
), latest AS (
    SELECT (SELECT max(m.id) FROM seed_messages m
            WHERE (m.src_fk = mine.src_fk AND m.dst_fk = mine.dst_fk)
               OR (m.src_fk = mine.dst_fk AND m.dst_fk = mine.src_fk)) AS last_id
    FROM mine
)
SELECT m.id, m.src_fk, m.dst_fk, m.body, m.created_at,
       (SELECT count(*) FROM seed_messages u
        WHERE u.dst_fk = :me AND u.src_fk = CASE WHEN m.src_fk = :me THEN m.dst_fk ELSE m.src_fk END
          AND u.read_at IS NULL) AS unread
FROM latest JOIN seed_messages m ON m.id = latest.last_id
ORDER BY m.id DESC
LIMIT 20
"""


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> float:
    p50 = statistics.median(samples)
    print(f"{name:<38} n={len(samples):<4} p50={p50:10.2f} ms   p95={percentile(samples, 0.95):10.2f} ms")
    return p50


def generate(players: int, focus_conversations: int, messages: int, rng: random.Random) -> None:
    now = utcnow()
    for start in range(1, players + 1, BATCH):
        db.session.execute(sa.insert(User), [
            {"id": i, "username": f"p{i}", "email": f"p{i}@bench.test", "password_hash": "-",
             "role": "user", "session_token": f"{i:032x}", "created_at": now}
            for i in range(start, min(players, start + BATCH - 1) + 1)
        ])
    partners = rng.sample(range(2, players + 1), focus_conversations)
    pairs: set[tuple[int, int]] = {(FOCUS, other) for other in partners}
    while len(pairs) < focus_conversations * 20:
        a, b = rng.sample(range(2, players + 1), 2)
        pairs.add((min(a, b), max(a, b)))
    ordered_pairs = sorted(pairs)
    db.session.execute(sa.insert(Conversation), [
        {"id": n, "low_id": low, "high_id": high, "created_at": now, "last_preview": "",
         "low_unread": 0, "high_unread": 0}
        for n, (low, high) in enumerate(ordered_pairs, start=1)
    ])
    start_at = now - timedelta(days=365)
    rows: list[dict[str, Any]] = []
    for i in range(1, messages + 1):
        conversation_id = rng.randrange(1, len(ordered_pairs) + 1)
        low, high = ordered_pairs[conversation_id - 1]
        rows.append({"id": i, "conversation_id": conversation_id, "sender_id": rng.choice((low, high)),
                     "body": f"message {i} about a tee time",
                     "created_at": start_at + timedelta(seconds=i * 30)})
        if len(rows) == BATCH:
            db.session.execute(sa.insert(Message), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Message), rows)
    last = (
        sa.select(sa.func.max(Message.id)).where(Message.conversation_id == Conversation.id).scalar_subquery()
    )
    db.session.execute(sa.update(Conversation).values(last_message_id=last))
    for column, source in (("last_sender_id", Message.sender_id), ("last_preview", Message.body),
                           ("last_at", Message.created_at)):
        value = sa.select(source).where(Message.id == Conversation.last_message_id).scalar_subquery()
        db.session.execute(
            sa.update(Conversation).where(Conversation.last_message_id.is_not(None)).values({column: value})
        )
    # A few unread messages on each side, as the app would have counted them.
    db.session.execute(sa.update(Conversation).values(
        low_unread=sa.func.abs(Conversation.id % 4), high_unread=sa.func.abs(Conversation.id % 3)))
    db.session.commit()


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
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--players", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed-queries", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    workdir = tempfile.mkdtemp(prefix="fairway-bench-")
    url = args.database_url or f"sqlite:///{Path(workdir) / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        if db.session.scalar(sa.select(sa.func.count()).select_from(Message)):
            sys.exit("The database already holds messages; give an empty one.")
        start = time.perf_counter()
        generate(args.players, args.conversations, args.messages, rng)
        copy_to_seed_schema()
        conversations = db.session.scalar(sa.select(sa.func.count()).select_from(Conversation))
        print(f"generated {args.messages} messages in {conversations} conversations "
              f"({args.conversations} for the focus player) on {db.engine.dialect.name} "
              f"in {time.perf_counter() - start:.1f} s")

        focus = db.session.get(User, FOCUS)
        assert focus is not None
        ours = services.inbox(focus)
        theirs = db.session.execute(sa.text(SEED_INBOX), {"me": FOCUS}).all()
        assert len(ours.rows) == len(theirs) == 20
        assert [row.other.id for row in ours.rows] == [
            row.dst_fk if row.src_fk == FOCUS else row.src_fk for row in theirs
        ], "the two inboxes disagree"

        app_p50 = report("inbox, app (conversation rows)", timed(lambda: services.inbox(focus), args.queries))
        seed_p50 = report(
            "inbox, seed-002 (EXCEPT self-join)",
            timed(lambda: db.session.execute(sa.text(SEED_INBOX), {"me": FOCUS}).all(), args.seed_queries),
        )
        print(f"{'ratio seed / app (p50)':<38} {seed_p50 / app_p50:,.0f}x")
        db.session.rollback()


if __name__ == "__main__":
    main()

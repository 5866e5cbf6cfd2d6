"""The live conversation's cost: ``GET /messages/<username>/since?after=<id>`` as an open
conversation polls it (every ``MESSAGES_POLL_SECONDS``, 10 s), for a pair with a long history
among many other messages, through the whole Flask stack, in two cases:
  - 204: nothing new since ``after`` (the usual case): one statement, no body;
  - 200: one new message: its bubble, the poll again out of band, and marking it read.

    .venv/bin/python bench/conversation_poll_bench.py [--history 20000] [--others 200000]
        [--requests 300] [--database-url URL]

Without --database-url it runs on a fresh SQLite file in a temporary folder. Prints the
statements per poll, median and p95 latency, the polls one web thread answers a second, and the
same for ``/api/badges`` requested in alternation (a baseline under the same machine load).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.messaging.models import Conversation, Message  # noqa: E402
from bench import percentile  # noqa: E402

PLAYERS = 200
BATCH = 20_000


def seed(history: int, others: int) -> tuple[User, User]:
    """Players p0 (the reader) and p1 with ``history`` messages between them, and ``others``
    messages spread over the other pairs of p0 and of the rest."""
    now = utcnow()
    db.session.execute(sa.insert(User), [
        {"username": f"p{n}", "email": f"p{n}@example.com", "password_hash": "x", "role": "user",
         "session_token": f"token-{n}", "email_verified_at": now, "created_at": now}
        for n in range(PLAYERS)
    ])
    ids = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
    pairs = [(ids[0], ids[1])] + [(ids[n], ids[n + 1]) for n in range(1, PLAYERS - 1)] + \
        [(ids[0], ids[n]) for n in range(2, PLAYERS)]
    db.session.execute(sa.insert(Conversation), [
        {"low_id": min(a, b), "high_id": max(a, b), "created_at": now, "last_at": now, "last_preview": "hi",
         "low_unread": 0, "high_unread": 0}
        for a, b in pairs
    ])
    conversations = {(low, high): id_ for id_, low, high in db.session.execute(
        sa.select(Conversation.id, Conversation.low_id, Conversation.high_id))}
    focus = conversations[(min(ids[0], ids[1]), max(ids[0], ids[1]))]
    rest = [c for c in conversations.values() if c != focus]
    start = now - timedelta(days=60)
    rows = [(focus, ids[n % 2]) for n in range(history)] + \
        [(rest[n % len(rest)], ids[2 + n % (PLAYERS - 2)]) for n in range(others)]
    for at in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(Message), [
            {"conversation_id": conversation, "sender_id": sender, "body": f"message {at + n}",
             "created_at": start + timedelta(seconds=at + n)}
            for n, (conversation, sender) in enumerate(rows[at:at + BATCH])
        ])
    db.session.commit()
    return db.session.get(User, ids[0]), db.session.get(User, ids[1])  # type: ignore[return-value]


def timed(client, path: str, requests: int, expect: int, before=None):  # type: ignore[no-untyped-def]
    """The poll's timings, and in alternation those of ``/api/badges`` (the badges' poll, one
    counting statement) as the baseline measured under the same load."""
    samples, baseline = [], []
    for _ in range(requests):
        if before is not None:
            before()
        start = time.perf_counter()
        answer = client.get(path)
        samples.append(time.perf_counter() - start)
        assert answer.status_code == expect, answer.status_code
        start = time.perf_counter()
        assert client.get("/api/badges").status_code == 200
        baseline.append(time.perf_counter() - start)
    return samples, baseline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--others", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="fairway-poll-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            sys.exit("The database already holds players; give an empty one.")
        reader, writer = seed(args.history, args.others)
        token, reader_id, writer_id = reader.session_token, reader.id, writer.id
        last = db.session.scalar(sa.select(sa.func.max(Message.id)))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    quiet = f"/messages/p1/since?after={last}"
    assert client.get(quiet).status_code == 204
    statements: list[str] = []
    with app.app_context():
        listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        client.get(quiet)
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    polling = [s for s in statements if "messages" in s]
    print(f"database: {url.split(':')[0]}; {total} messages, {args.history} in the pair; "
          f"{len(statements)} statements a quiet poll ({len(polling)} for the messages, the rest "
          f"loading the session and the player)")

    def one_new() -> None:
        """A message from p1 since the poll's ``after`` (straight into the table, so the timing
        is the poll's alone), and the conversation's unread count the page would clear."""
        with app.app_context():
            low, high = sorted((reader_id, writer_id))
            conversation = db.session.scalar(sa.select(Conversation.id).where(
                Conversation.low_id == low, Conversation.high_id == high))
            db.session.execute(sa.delete(Message).where(Message.id > last))
            db.session.execute(sa.insert(Message).values(conversation_id=conversation, sender_id=writer_id,
                                                         body="Nine holes?", created_at=utcnow()))
            db.session.commit()

    cases = (("204 (nothing new)", 204, None), ("200 (one new)", 200, one_new))
    for name, expect, before in cases:
        samples, baseline = timed(client, quiet, args.requests, expect, before)
        median = statistics.median(samples) * 1000
        print(f"{name:18} median {median:.2f} ms, p95 {percentile(samples, 0.95) * 1000:.2f} ms, "
              f"{1 / statistics.mean(samples):.0f} polls/s a thread "
              f"(≈ {10 / statistics.mean(samples):.0f} open conversations at one poll per 10 s); "
              f"/api/badges alternated with it: median {statistics.median(baseline) * 1000:.2f} ms "
              f"(ratio {statistics.median(samples) / statistics.median(baseline):.2f})")


if __name__ == "__main__":
    main()

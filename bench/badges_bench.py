"""The live badges' cost: ``GET /api/badges`` as every open page polls it (every 10 s), for a
player with many conversations and notifications, through the whole Flask stack (session
load, the one counting statement, JSON, ETag), in two cases:
  - 200: the counts changed since the last poll (or the first poll): a body is sent;
  - 304: nothing changed (the usual case): ``If-None-Match`` matches, no body.

    .venv/bin/python bench/badges_bench.py [--conversations 500] [--notifications 2000]
        [--players 3000] [--requests 500] [--database-url URL]

Without --database-url it runs on a fresh SQLite file in a temporary folder. Prints the
statements per poll, median and p95 latency, and the polls one web thread can answer a second
(so: how many open pages one thread keeps live at one poll per 10 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.messaging.models import Conversation  # noqa: E402
from app.notifications.models import Notification  # noqa: E402
from bench import fresh_database, percentile  # noqa: E402


def seed(players: int, conversations: int, notifications: int) -> User:
    now = utcnow()
    db.session.execute(sa.insert(User), [
        {"username": f"p{n}", "email": f"p{n}@example.com", "password_hash": "x", "role": "user",
         "session_token": f"token-{n}", "email_verified_at": now, "created_at": now}
        for n in range(players)
    ])
    db.session.commit()
    ids = list(db.session.scalars(sa.select(User.id).order_by(User.id)))
    focus = ids[0]
    db.session.execute(sa.insert(Conversation), [
        {"low_id": min(focus, other), "high_id": max(focus, other), "created_at": now, "last_at": now,
         "last_preview": "hi", "low_unread": n % 3, "high_unread": n % 2}
        for n, other in enumerate(ids[1:conversations + 1])
    ])
    db.session.execute(sa.insert(Notification), [
        {"user_id": user_id, "kind": "follow", "actor_id": ids[(n + 1) % len(ids)],
         "group_key": f"follow:{n}", "count": 1, "created_at": now, "updated_at": now,
         "read_at": None if n % 4 else now}
        for n, user_id in enumerate([focus] * notifications + ids[1:] * 3)
    ])
    db.session.commit()
    return db.session.get(User, focus)  # type: ignore[return-value]


def timed(client, requests: int, headers: dict[str, str], expect: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.get("/api/badges", headers=headers)
        samples.append(time.perf_counter() - start)
        assert answer.status_code == expect, answer.status_code
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--players", type=int, default=3000)
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="fairway-badges-")
    url = fresh_database(args.database_url, folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            sys.exit("The database already holds players; give an empty one.")
        focus = seed(args.players, args.conversations, args.notifications)
        token = focus.session_token
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    first = client.get("/api/badges")
    assert first.status_code == 200, first.status_code
    etag = first.headers["ETag"]
    statements: list[str] = []
    with app.app_context():
        listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        client.get("/api/badges")
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    counting = [s for s in statements if "conversations" in s or "notifications" in s]
    print(f"database: {url.split(':')[0]}; counts {first.get_json()}; {len(statements)} statements "
          f"a poll ({len(counting)} counting, the rest loading the session and the player)")
    cases = (("200 (changed)", {}, 200), ("304 (unchanged)", {"If-None-Match": etag}, 304))
    for name, headers, expect in cases:
        samples = timed(client, args.requests, headers, expect)
        median = statistics.median(samples) * 1000
        print(f"{name:16} median {median:.2f} ms, p95 {percentile(samples, 0.95) * 1000:.2f} ms, "
              f"{1 / statistics.mean(samples):.0f} polls/s a thread "
              f"(≈ {10 / statistics.mean(samples):.0f} open pages at one poll per 10 s)")


if __name__ == "__main__":
    main()

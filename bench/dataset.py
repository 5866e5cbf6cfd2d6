"""Benchmark data at the goal sizes, written with PostgreSQL ``COPY`` (batched inserts on SQLite).

Every generator takes a count and writes straight into an empty, migrated database through the
app's own tables, so the app reads it as it would its own rows:

- ``players(db, count, metros=..., metro_share=...)``: accounts with profiles spread over metro
  areas; ``metro_share`` of them fall in the first (densest) metro, within ``spread_miles`` of its
  centre, the rest are shared by the other metros. The same generator serves a million profiles
  for the search benchmark (``count=1_000_000``).
- ``conversations(db, focus, partners, messages, rng)``: ``messages`` messages in conversations,
  ``partners`` of them the focus player's, the rest between other players; conversation rows
  carry their last message and unread counts as the app keeps them.
- ``follows`` and ``notifications`` for a focus player, so the timeline and the notification list
  have something to show.

``database_url`` turns ``postgresql://`` (and ``postgres://``) into the ``postgresql+psycopg://``
SQLAlchemy needs, as the app's settings do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

#: (name, zip, city, state, latitude, longitude): New York first, the densest by default.
METROS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("New York", "10001", "New York", "NY", 40.7506, -73.9972),
    ("Chicago", "60601", "Chicago", "IL", 41.8858, -87.6181),
    ("Los Angeles", "90012", "Los Angeles", "CA", 34.0614, -118.2385),
    ("Houston", "77002", "Houston", "TX", 29.7569, -95.3625),
    ("Phoenix", "85004", "Phoenix", "AZ", 33.4515, -112.0685),
    ("San Francisco", "94103", "San Francisco", "CA", 37.7725, -122.4091),
    ("Seattle", "98101", "Seattle", "WA", 47.6114, -122.3305),
    ("Miami", "33130", "Miami", "FL", 25.7670, -80.2043),
)
BATCH = 20_000


def database_url(url: str) -> str:
    """The SQLAlchemy URL of ``url``: psycopg 3 for PostgreSQL (``postgresql://`` is what most
    tools print; SQLAlchemy would look for psycopg2 behind it)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Metro:
    name: str
    zip: str
    city: str
    state: str
    latitude: float
    longitude: float


def metros(names: Sequence[str] | None = None) -> list[Metro]:
    chosen = [Metro(*row) for row in METROS]
    if names:
        by_name = {metro.name.lower(): metro for metro in chosen}
        chosen = [by_name[name.lower()] for name in names]
    return chosen


def copy_rows(engine: sa.Engine, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``rows`` into ``table``: one ``COPY … FROM STDIN`` on PostgreSQL, batched
    ``executemany`` inserts elsewhere. Returns the row count."""
    written = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    # Text format written in chunks: several times faster than write_row.
                    chunk: list[str] = []
                    for row in rows:
                        chunk.append("\t".join(_copy_text(value) for value in row))
                        written += 1
                        if len(chunk) == BATCH:
                            copy.write("\n".join(chunk) + "\n")
                            chunk = []
                    if chunk:
                        copy.write("\n".join(chunk) + "\n")
            raw.commit()
        finally:
            raw.close()
        return written
    statement = sa.text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                        f"({', '.join(':' + c for c in columns)})")
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            written += 1
            if len(batch) == BATCH:
                conn.execute(statement, batch)
                batch = []
        if batch:
            conn.execute(statement, batch)
    return written


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (the generators write no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


def _point_near(metro: Metro, spread_miles: float, rng: random.Random) -> tuple[float, float]:
    """A point within ``spread_miles`` of the metro's centre, denser towards the middle."""
    distance = spread_miles * rng.random() ** 0.75
    bearing = rng.random() * 2 * math.pi
    latitude = metro.latitude + distance / 69.0 * math.cos(bearing)
    miles_per_degree = 69.0 * math.cos(math.radians(metro.latitude))
    longitude = metro.longitude + distance / miles_per_degree * math.sin(bearing)
    return round(latitude, 6), round(longitude, 6)


def players(engine: sa.Engine, count: int, *, start_id: int = 1, now: datetime,
            metro_list: Sequence[Metro] | None = None, metro_share: float = 0.4,
            spread_miles: float = 40.0, password_hash: str = "-",
            rng: random.Random | None = None) -> int:
    """``count`` verified accounts with filled-in profiles, ids from ``start_id``, usernames
    ``p<id>``. ``metro_share`` of them live in the first metro of ``metro_list`` (all of METROS by
    default), the rest spread evenly over the others; everyone within ``spread_miles`` of their
    metro's centre. ``password_hash`` is every account's (one real hash lets the bench sign in)."""
    rng = rng or random.Random(1)
    chosen = list(metro_list or metros())
    ids = range(start_id, start_id + count)

    def homes() -> Iterator[Metro]:
        for _ in ids:
            if len(chosen) == 1 or rng.random() < metro_share:
                yield chosen[0]
            else:
                yield chosen[1 + rng.randrange(len(chosen) - 1)]

    placed = list(zip(ids, homes(), strict=True))
    copy_rows(engine, "users", ("id", "username", "email", "password_hash", "role", "session_token",
                                "email_verified_at", "created_at"),
              ((i, f"p{i}", f"p{i}@bench.test", password_hash, "user", f"{i:032x}", now,
                now - timedelta(minutes=i % 100_000)) for i in ids))
    copy_rows(engine, "profiles", (
        "user_id", "display_name", "bio", "handicap", "zip", "city", "state", "latitude", "longitude",
        "radius_miles", "drinking", "mobility", "weather", "pace", "play_style", "attitude", "left_handed",
        "created_at", "updated_at"),
        ((i, f"Player {i}", "Weekend golfer, happy to walk.", round(rng.uniform(0, 36), 1), metro.zip,
          metro.city, metro.state, *_point_near(metro, spread_miles, rng), 25, rng.randrange(3),
          rng.randrange(3), rng.randrange(4), rng.randrange(4), rng.randrange(3), rng.randrange(3),
          rng.random() < 0.1, now, now) for i, metro in placed))
    _sync_sequence(engine, "users")
    return count


def conversations(engine: sa.Engine, *, focus: int, player_ids: Sequence[int], partners: int,
                  messages: int, now: datetime, rng: random.Random | None = None,
                  pairs_per_focus_pair: int = 20) -> tuple[int, int]:
    """``messages`` messages in ``partners * pairs_per_focus_pair`` conversations, ``partners`` of
    them the focus player's; each conversation row carries its last message, as the app keeps it,
    and a few unread messages on each side. Returns (conversations, messages)."""
    rng = rng or random.Random(2)
    others = [i for i in player_ids if i != focus]
    pairs: set[tuple[int, int]] = {(min(focus, o), max(focus, o)) for o in rng.sample(others, partners)}
    while len(pairs) < partners * pairs_per_focus_pair:
        a, b = rng.sample(others, 2)
        pairs.add((min(a, b), max(a, b)))
    ordered = sorted(pairs)
    start_at = now - timedelta(days=365)
    step = timedelta(days=365) / max(messages, 1)
    last: dict[int, tuple[int, int, str, datetime]] = {}

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(1, messages + 1):
            conversation_id = rng.randrange(1, len(ordered) + 1)
            low, high = ordered[conversation_id - 1]
            sender = low if rng.random() < 0.5 else high
            body = f"message {i} about a tee time"
            at = start_at + step * i
            last[conversation_id] = (i, sender, body, at)
            yield i, conversation_id, sender, body, at

    # Conversations first (messages refer to them), their last message filled in afterwards.
    copy_rows(engine, "conversations", ("id", "low_id", "high_id", "created_at", "last_preview",
                                        "low_unread", "high_unread"),
              ((n, low, high, start_at, "", 0, 0) for n, (low, high) in enumerate(ordered, start=1)))
    copy_rows(engine, "messages", ("id", "conversation_id", "sender_id", "body", "created_at"),
              message_rows())
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TEMPORARY TABLE bench_last (id INTEGER PRIMARY KEY, message_id INTEGER, "
            "sender_id INTEGER, "
            "preview VARCHAR(200), at TIMESTAMP, low_unread INTEGER, high_unread INTEGER)"))
        rows = [{"id": c, "m": m, "s": s, "p": p[:100], "a": a, "lu": c % 4, "hu": c % 3}
                for c, (m, s, p, a) in last.items()]
        for n in range(0, len(rows), BATCH):
            conn.execute(sa.text("INSERT INTO bench_last VALUES (:id, :m, :s, :p, :a, :lu, :hu)"),
                         rows[n:n + BATCH])
        columns = {"last_message_id": "message_id", "last_sender_id": "sender_id", "last_preview": "preview",
                   "last_at": "at", "low_unread": "low_unread", "high_unread": "high_unread"}
        conn.execute(sa.text(
            "UPDATE conversations SET "
            + ", ".join(f"{column} = (SELECT b.{source} FROM bench_last b WHERE b.id = conversations.id)"
                        for column, source in columns.items())
            + " WHERE id IN (SELECT id FROM bench_last)"))
        conn.execute(sa.text("DROP TABLE bench_last"))
    _sync_sequence(engine, "conversations")
    _sync_sequence(engine, "messages")
    return len(ordered), messages


def follows(engine: sa.Engine, *, focus: int, followed: Sequence[int], now: datetime) -> int:
    """The focus player follows ``followed``, and each of them follows back."""
    rows = [(focus, other, now) for other in followed] + [(other, focus, now) for other in followed]
    copy_rows(engine, "follows", ("follower_id", "followed_id", "created_at"), rows)
    return len(rows)


def notifications(engine: sa.Engine, *, focus: int, actors: Sequence[int], now: datetime,
                  unread: int = 20) -> int:
    """One follow notification for the focus player from each of ``actors``, the newest
    ``unread`` of them unread."""
    rows = [(focus, "follow", actor, None, 1, now - timedelta(minutes=n), now - timedelta(minutes=n),
             None if n < unread else now) for n, actor in enumerate(actors)]
    copy_rows(engine, "notifications", ("user_id", "kind", "actor_id", "group_key", "count", "created_at",
                                        "updated_at", "read_at"), rows)
    return len(rows)


def analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics after a bulk load (the planner guesses badly without them); on
    PostgreSQL also a VACUUM, so the rows the load updated leave no dead versions in the indexes
    (as autovacuum would have done on a live database)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def _sync_sequence(engine: sa.Engine, table: str) -> None:
    """After rows were copied in with explicit ids, the id sequence continues after them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"))


def reset_postgresql(url: str) -> None:
    """An empty public schema (the database is the benchmark's to wipe)."""
    engine = sa.create_engine(database_url(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def create_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names if it does not exist."""
    target = sa.engine.make_url(database_url(url))
    maintenance = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as conn:
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    maintenance.dispose()


__all__ = ["METROS", "Metro", "analyze", "conversations", "copy_rows", "create_database", "database_url",
           "follows", "metros", "notifications", "players", "reset_postgresql"]

"""Inserts that let a unique key decide, in the dialect's own words (PostgreSQL and SQLite both
say ``ON CONFLICT``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db


def dialect_insert(table: sa.Table) -> Any:
    """``INSERT INTO table`` for the session's database, with its ``on_conflict_*`` methods."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignoring_duplicates(model: type[Any], **values: Any) -> None:
    """Insert a row of ``model`` unless a unique key already holds one like it (then nothing
    changes): two requests racing can't make a duplicate, and neither fails."""
    db.session.execute(dialect_insert(model.__table__).values(**values).on_conflict_do_nothing())

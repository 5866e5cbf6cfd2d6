"""Every table comes from the migrations: ``flask --app wsgi db upgrade`` on a fresh SQLite file,
then nothing the foundation and identity models hold is missing from the migrated schema."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

ROOT = Path(__file__).resolve().parents[2]
OURS = {"users", "outbox_mail", "login_attempts", "sessions"}


def flask(*args: str, database: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", SECRET_KEY="migration-test")
    for name in ("REDIS_URL", "FLASK_ENV", "MAIL_SERVER"):
        env.pop(name, None)
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def table_of(diff: Any) -> str | None:
    """The table an autogenerate difference is about."""
    if isinstance(diff, list):
        diff = diff[0]
    for part in diff[1:]:
        if isinstance(part, sa.Table):
            return part.name
        if isinstance(part, sa.Index | sa.Constraint) and part.table is not None:
            return part.table.name
        if isinstance(part, sa.Column) and part.table is not None:
            return part.table.name
    return diff[2] if len(diff) > 2 and isinstance(diff[2], str) else None


@pytest.mark.one_mode  # a SQLite file of its own in either mode: the embedded run proves it
def test_upgrade_on_a_fresh_sqlite_file_matches_the_models(app, tmp_path):
    database = tmp_path / "fresh.db"
    upgrade = flask("db", "upgrade", database=database)
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert OURS | {"alembic_version"} <= tables

    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    ours = [diff for diff in diffs if table_of(diff) in OURS]
    assert ours == []

    again = flask("db", "upgrade", database=database)
    assert again.returncode == 0, again.stderr[-3000:]

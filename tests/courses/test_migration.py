"""Migration 0007_courses makes the catalog, played-course and onboarding tables exactly as the
models describe them, and downgrades cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.referrals.test_migration import table_of

OURS = {"courses", "course_plays", "onboarding_steps"}


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as conn:
        assert OURS <= set(sa.inspect(conn).get_table_names())
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if table_of(d) in OURS] == []


def test_downgrade_and_upgrade_again(app, tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    url = f"sqlite:///{tmp_path / 'round.db'}"
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                        "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy"})
    with other.app_context():
        upgrade(revision="heads")
        downgrade(revision="0006_teetimes")
        assert not OURS & set(sa.inspect(db.engine).get_table_names())
        upgrade(revision="heads")
        assert OURS <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()

"""The referrals tables come from migration 0002_referrals and match the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

OURS = {"referral_codes", "referral_clicks", "referrals", "invites", "invite_redemptions",
        "points_ledger", "waitlist"}


def table_of(diff) -> str | None:
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
        downgrade(revision="0001")
        assert not OURS & set(sa.inspect(db.engine).get_table_names())
        upgrade(revision="heads")
        assert OURS <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()

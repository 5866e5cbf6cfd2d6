"""The migrations are one linear chain, the schema they make matches every model (on SQLite
and PostgreSQL), and each revision can be rolled back and applied again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.profiles.nearest import KNN_INDEXES, include_object

# revision: (the revision below it, the tables it makes)
CHAIN = {
    "0001": (None, {"users", "outbox_mail", "login_attempts", "sessions"}),
    "0002_referrals": ("0001", {"referral_codes", "referral_clicks", "referrals", "invites",
                                "invite_redemptions", "points_ledger", "waitlist"}),
    "0003_profiles": ("0002_referrals", {"profiles", "availability_slots"}),
    "0004_social": ("0003_profiles", {"follows", "fist_bumps", "conversations", "messages",
                                      "notifications"}),
    "0005_admin": ("0004_social", {"audit_log"}),
    "0006_teetimes": ("0005_admin", {"tee_times", "tee_time_claims"}),
    "0007_courses": ("0006_teetimes", {"courses", "course_plays", "onboarding_steps"}),
    "0008_teetime_course": ("0007_courses", set()),  # a column: tee_times.course_id
    "0009_outbox_claims": ("0008_teetime_course", set()),  # a column: outbox_mail.claimed_until
    "0010c_round_notices": ("0009_outbox_claims", {"tee_time_reminders", "tee_time_waitlist"}),
    "0011c_mail_preferences": ("0010c_round_notices", {"mail_preferences"}),
    "0010b_blocks_mutes": ("0011c_mail_preferences", {"blocks", "mutes"}),
    "0011b_privacy_settings": ("0010b_blocks_mutes", {"privacy_settings"}),
    "0012b_reports": ("0011b_privacy_settings", {"reports"}),
    "0010a_invite_gate": ("0012b_reports", {"invite_freezes"}),  # and referrals.admitted
    "0013e_report_notices": ("0010a_invite_gate", set()),  # notification kinds
    "0013f_referral_holds": ("0013e_report_notices", {"referral_signals"}),
    "0014g_notification_mail": ("0013f_referral_holds", {"message_mails", "mail_digests"}),
    "0014h_timezones": ("0014g_notification_mail", set()),  # a column: users.timezone
    # tee_times.local_day, day_slot; tee_time_waitlist.passed_told_at; notification kinds
    "0014i_round_thread": ("0014h_timezones", {"tee_time_posts"}),
    "0014k_knn_search": ("0014i_round_thread", set()),  # PostgreSQL: extensions, GiST indexes
    # PostgreSQL: player_places (no model: left out of the comparison), its trigger and index
    "0014m_player_places": ("0014k_knn_search", set()),
}


def test_the_chain_is_linear_and_known(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1
    found = {rev.revision: rev.down_revision for rev in script.walk_revisions()}
    assert found == {revision: below for revision, (below, _) in CHAIN.items()}


def test_the_migrated_schema_matches_every_model(app):
    with db.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diffs = compare_metadata(context, db.metadata)
        # The KNN indexes no model declares: PostgreSQL only (left out of the comparison above).
        inspector = sa.inspect(conn)
        indexes = {index["name"] for table in ("profiles", "courses", "player_places")
                   if inspector.has_table(table)
                   for index in inspector.get_indexes(table)}
    assert set().union(*(made for _, made in CHAIN.values())) <= tables
    assert diffs == []
    assert (indexes & KNN_INDEXES) == (KNN_INDEXES if db.engine.dialect.name == "postgresql" else set())


# A SQLite file of its own in either mode: the embedded run proves it (``one_mode``).
@pytest.mark.one_mode
@pytest.mark.parametrize("revision", [r for r, (below, _) in CHAIN.items() if below is not None])
def test_each_revision_rolls_back_and_applies_again(tmp_path, revision):
    below, made = CHAIN[revision]
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "REDIS_URL": None,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'round.db'}",
                        "SESSION_TYPE": "sqlalchemy", "RATELIMIT_STORAGE_URI": "memory://"})
    with other.app_context():
        upgrade(revision="heads")
        downgrade(revision=below)
        assert not made & set(sa.inspect(db.engine).get_table_names())
        upgrade(revision="heads")
        assert made <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()

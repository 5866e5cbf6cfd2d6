"""On PostgreSQL: admins resolving the same case at once warn the player once, tell each
reporter once and write one audit row; the others find it already resolved."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.admin.models import AuditEntry
from app.extensions import db
from app.identity.models import User
from app.notifications.models import Notification
from app.outbox.models import OutboxMail
from app.safety import moderation, reports
from app.safety.models import Report
from tests.safety.conftest import user

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)"
)


def test_parallel_resolutions_of_one_case_act_once(app, player):
    for name in ("ann", "bob", "zed"):
        player(name)
    admins = [player(f"mod{i}", admin=True).id for i in range(6)]
    reports.file_report(user("ann"), "user", "zed", "spam")
    reports.file_report(user("bob"), "user", "zed", "harassment")
    db.session.commit()
    first = db.session.scalar(sa.select(sa.func.min(Report.id)))
    start = threading.Barrier(len(admins), timeout=30)

    def one(admin_id: int) -> int:
        start.wait()
        with app.app_context():
            try:
                actor = db.session.get(User, admin_id)
                assert actor is not None
                closed = moderation.resolve(actor, first, "warn", "be kind").closed
                db.session.commit()
                return closed
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(admins)) as pool:
        outcomes = list(pool.map(one, admins))
    assert sorted(outcomes) == [0] * (len(admins) - 1) + [2]
    db.session.expire_all()
    kinds = list(db.session.scalars(sa.select(Notification.kind).order_by(Notification.user_id)))
    assert sorted(kinds) == ["report_handled", "report_handled", "warning"]
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMail).where(OutboxMail.kind == "moderation_warning")
    ) == 1
    assert list(db.session.scalars(sa.select(AuditEntry.action))) == ["report.warn"]

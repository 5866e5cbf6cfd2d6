"""The moderation queue: admins only; open cases first, grouped by target with counts and
reasons, the content in context; each action's effects, the reporters told, the audit log,
and bad input refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin.models import AuditEntry
from app.extensions import db
from app.messaging import services as messaging
from app.notifications.models import Notification
from app.outbox.models import OutboxMail
from app.referrals.models import InviteFreeze
from app.safety import reports
from app.safety.models import Report
from tests.safety.conftest import user
from tests.support import post

ANN, BOB, CAL, ZED, ADMIN = "alpha_ann", "bravo_bob", "charlie_cal", "zulu_zed", "mod_mia"


def report(reporter: str, kind: str, target: str, reason: str = "spam", details: str = "") -> Report:
    reports.file_report(user(reporter), kind, target, reason, details)
    db.session.commit()
    found = db.session.scalar(sa.select(Report).where(Report.reporter_id == user(reporter).id)
                              .order_by(Report.id.desc()))
    assert found is not None
    return found


def resolve(client, report_id: int, action: str, note: str = ""):
    return post(client, f"/admin/reports/{report_id}/resolve", {"action": action, "note": note},
                token_from="/admin/reports")


def notices(username: str) -> list[str]:
    db.session.expire_all()
    mine = sa.select(Notification.kind).where(Notification.user_id == user(username).id)
    return list(db.session.scalars(mine.order_by(Notification.id)))


@pytest.fixture
def world(player):
    for name in (ANN, BOB, CAL, ZED):
        player(name)
    player(ADMIN, admin=True)


def test_only_admins_see_the_queue_or_resolve(world, as_user, client):
    case = report(ANN, "user", ZED)
    assert client.get("/admin/reports").status_code in (302, 303)
    ann = as_user(ANN)
    assert ann.get("/admin/reports").status_code == 403
    assert post(ann, f"/admin/reports/{case.id}/resolve", {"action": "dismiss"}).status_code == 403
    admin = as_user(ADMIN)
    page = admin.get("/admin/reports")
    assert page.status_code == 200 and ZED in page.get_data(as_text=True)
    assert 'href="/admin/reports"' in admin.get("/admin/users").get_data(as_text=True)


def test_reports_group_by_target_with_counts_and_reasons_most_reported_first(world, as_user):
    report(ANN, "user", CAL, "fake")
    for name, reason in ((ANN, "spam"), (BOB, "harassment"), (CAL, "spam")):
        report(name, "user", ZED, reason, details=f"from {name}")
    page = as_user(ADMIN).get("/admin/reports").get_data(as_text=True)
    assert page.count('class="card report-group"') == 2
    assert page.index(f"by {ZED}") < page.index(f"by {CAL}")
    assert "3 reports" in page and "1 report" in page
    assert "spam × 2" in page and "harassment × 1" in page and "fake × 1" in page
    assert f"from {BOB}" in page


def test_resolved_cases_sit_behind_the_filter(world, as_user):
    case = report(ANN, "user", ZED)
    report(BOB, "user", CAL)
    admin = as_user(ADMIN)
    assert resolve(admin, case.id, "dismiss").status_code == 303
    open_page = admin.get("/admin/reports").get_data(as_text=True)
    assert f"by {CAL}" in open_page and f"by {ZED}" not in open_page
    done = admin.get("/admin/reports?show=resolved").get_data(as_text=True)
    assert f"by {ZED}" in done and f"by {CAL}" not in done and "resolved" in done
    assert admin.get("/admin/reports?show=everything").status_code == 422
    assert admin.get("/admin/reports?page=0").status_code == 422


def test_a_message_is_shown_with_the_messages_around_it_and_a_profile_and_round_in_context(world, as_user):
    from tests.safety.test_block import _round

    bodies = [f"line {i}" for i in range(7)]
    sent = []
    for i, body in enumerate(bodies):
        sender, recipient = (ZED, ANN) if i % 2 == 0 else (ANN, ZED)
        sent.append(messaging.send_message(user(sender), user(recipient), body))
    db.session.commit()
    report(ANN, "message", str(sent[4].id), "harassment")
    bio = sa.text("UPDATE profiles SET bio = 'I sell clubs' WHERE user_id = :id")
    db.session.execute(bio, {"id": user(CAL).id})
    db.session.commit()
    report(ANN, "user", CAL)
    tee_time = _round(BOB)
    report(ANN, "teetime", tee_time.code)
    page = as_user(ADMIN).get("/admin/reports").get_data(as_text=True)
    shown = [body for body in bodies if f"<br>{body}</li>" in page]
    assert shown == bodies[2:7]
    assert "(reported)" in page
    assert "I sell clubs" in page
    assert f'href="/t/{tee_time.code}"' in page and "Harding Park" in page


def test_dismiss_resolves_every_report_on_the_target_and_tells_each_reporter(world, as_user):
    first = report(ANN, "user", ZED)
    report(BOB, "user", ZED)
    other = report(CAL, "user", BOB)
    response = resolve(as_user(ADMIN), first.id, "dismiss", "not spam")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/reports")
    db.session.expire_all()
    open_ids = set(db.session.scalars(sa.select(Report.id).where(Report.resolved_at.is_(None))))
    assert open_ids == {other.id}
    assert notices(ANN) == ["report_handled"] and notices(BOB) == ["report_handled"]
    assert notices(CAL) == [] and notices(ZED) == []
    assert user(ZED).is_active
    entry = db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))
    assert entry is not None and entry.action == "report.dismiss" and entry.actor_name == ADMIN
    assert entry.target == f"user:{user(ZED).id}"
    assert "reports=2" in entry.detail and "not spam" in entry.detail


def test_warn_notifies_and_mails_the_reported_player(world, as_user):
    case = report(ANN, "user", ZED)
    assert resolve(as_user(ADMIN), case.id, "warn", "be kind").status_code == 303
    assert notices(ZED) == ["warning"]
    mail = db.session.scalar(sa.select(OutboxMail).where(OutboxMail.kind == "moderation_warning"))
    assert mail is not None and mail.recipient == user(ZED).email and "be kind" in mail.body
    assert "A warning from the moderators" in as_user(ZED).get("/notifications").get_data(as_text=True)
    assert "our moderators looked into it" in as_user(ANN).get("/notifications").get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "report.warn"


def test_deactivate_switches_the_reported_player_off(world, as_user, app):
    zed = user(ZED)
    message = messaging.send_message(zed, user(ANN), "spam spam")
    db.session.commit()
    case = report(ANN, "message", str(message.id))
    assert resolve(as_user(ADMIN), case.id, "deactivate").status_code == 303
    db.session.expire_all()
    assert not user(ZED).is_active
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["user.deactivate", "report.deactivate"]
    assert notices(ANN) == ["message", "report_handled"]


def test_freeze_invites_freezes_the_reported_player_alone(world, as_user):
    case = report(ANN, "user", ZED)
    assert resolve(as_user(ADMIN), case.id, "freeze_invites").status_code == 303
    db.session.expire_all()
    frozen = set(db.session.scalars(sa.select(InviteFreeze.user_id)))
    assert frozen == {user(ZED).id}
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["invites.freeze", "report.freeze_invites"]


def test_an_already_resolved_report_is_a_no_op(world, as_user):
    case = report(ANN, "user", ZED)
    admin = as_user(ADMIN)
    assert resolve(admin, case.id, "dismiss").status_code == 303
    again = resolve(admin, case.id, "warn")
    assert again.status_code == 303
    assert "already resolved" in admin.get("/admin/reports").get_data(as_text=True)
    assert notices(ZED) == [] and notices(ANN) == ["report_handled"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_bad_input_is_refused(world, as_user):
    case = report(ANN, "user", ZED)
    admin = as_user(ADMIN)
    assert resolve(admin, case.id, "ban").status_code == 422
    assert resolve(admin, case.id, "dismiss", "x" * 401).status_code == 422
    assert resolve(admin, 999_999, "dismiss").status_code == 404
    db.session.expire_all()
    assert db.session.get(Report, case.id).resolved_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_refused_action_on_an_admin_leaves_the_reports_open(world, as_user, player):
    player("other_admin", admin=True)
    case = report(ANN, "user", "other_admin")
    assert resolve(as_user(ADMIN), case.id, "freeze_invites").status_code == 409
    db.session.expire_all()
    assert db.session.get(Report, case.id).resolved_at is None
    assert notices(ANN) == []


def test_the_queue_costs_the_same_statements_however_many_cases_it_shows(world, as_user, player):
    from tests.safety.test_block import _round

    admin = as_user(ADMIN)
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    def statements() -> int:
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert admin.get("/admin/reports").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    def one_of_each(reporter: str, about: str) -> None:
        message = messaging.send_message(user(about), user(reporter), f"hello from {about}")
        db.session.commit()
        report(reporter, "message", str(message.id))
        report(reporter, "user", about)
        report(reporter, "teetime", _round(about).code)

    one_of_each(ANN, ZED)
    few = statements()
    for name in ("dan", "eve", "fay"):
        player(name)
        one_of_each(BOB, name)
    page = admin.get("/admin/reports").get_data(as_text=True)
    assert page.count('class="card report-group"') == 12
    assert statements() == few

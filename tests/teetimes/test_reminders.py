"""Reminders 24 hours and 2 hours before tee time: due on the clock (time-machine, no sleeps),
sent once each to the host and the players however often and by however many workers they are
looked for, scheduled on RQ's scheduler with Redis and found by the tick without it."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.notifications.models import Notification
from app.outbox.models import OutboxMail
from app.teetimes import reminders
from app.teetimes.models import Reminder
from tests.teetimes.conftest import action, fetch

#: The rounds below tee off Wed Jun 12, 9:30 in San Francisco.
TEE_OFF = datetime(2030, 6, 12, 16, 30)


def reminder_mails() -> list[tuple[str, str]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(OutboxMail.recipient, OutboxMail.subject)
        .where(OutboxMail.kind == "teetime_reminder").order_by(OutboxMail.id)
    )]


def sent_rows() -> list[tuple[str, str]]:
    db.session.expire_all()
    from app.identity.models import User

    return sorted(tuple(row) for row in db.session.execute(
        sa.select(User.username, Reminder.lead).join(User, User.id == Reminder.user_id)
    ))


def test_each_reminder_goes_once_to_the_host_and_each_player(app, player, as_user, round_of, clock,
                                                            mailbox, drain):
    tee_time = round_of(player("ann"))
    player("bob")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    clock.move_to(TEE_OFF - timedelta(hours=24, minutes=1))
    assert reminders.send_due_reminders() == 0
    clock.move_to(TEE_OFF - timedelta(hours=24))
    assert reminders.send_due_reminders() == 2
    assert reminders.send_due_reminders() == 0
    clock.move_to(TEE_OFF - timedelta(hours=3))
    assert reminders.send_due_reminders() == 0
    assert sent_rows() == [("ann", "24h"), ("bob", "24h")]
    clock.move_to(TEE_OFF - timedelta(hours=1, minutes=59))
    assert reminders.send_due_reminders() == 2
    assert reminders.send_due_reminders() == 0
    clock.move_to(TEE_OFF + timedelta(minutes=1))
    assert reminders.send_due_reminders() == 0
    assert sent_rows() == [("ann", "24h"), ("ann", "2h"), ("bob", "24h"), ("bob", "2h")]
    assert reminder_mails() == [
        ("ann@example.com", "Reminder: golf at Harding Park tomorrow"),
        ("bob@example.com", "Reminder: golf at Harding Park tomorrow"),
        ("ann@example.com", "Reminder: golf at Harding Park in 2 hours"),
        ("bob@example.com", "Reminder: golf at Harding Park in 2 hours"),
    ]
    drain()
    bob_mails = mailbox.to("bob@example.com")
    assert len([m for m in bob_mails if m.subject.startswith("Reminder:")]) == 2
    assert "Your round with ann at Harding Park is tomorrow: Wed Jun 12, 9:30 AM PDT." in bob_mails[0].body
    assert f"/t/{tee_time.code}" in bob_mails[0].body
    listing = as_user("bob").get("/notifications").get_data(as_text=True)
    assert "tees off in 2 hours" in listing and "tees off tomorrow" in listing


def test_a_reminder_already_claimed_is_not_sent_again(app, player, round_of, clock):
    """The unique key decides, not the list of due reminders: a caller who found a reminder due
    before another sent it inserts nothing and sends nothing."""
    tee_time = round_of(player("ann"))
    clock.move_to(TEE_OFF - timedelta(hours=2))
    (due,) = reminders.due_reminders(datetime(2030, 6, 12, 14, 30), tee_time.id)
    assert reminders.send_reminder(due) is True
    db.session.commit()
    assert reminders.send_reminder(due) is False
    db.session.commit()
    assert len(reminder_mails()) == 1
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "round_reminder")) == 1


def test_late_joiners_get_only_the_later_reminder_and_cancelled_rounds_none(app, player, as_user,
                                                                             round_of, clock):
    tee_time = round_of(player("ann"))
    cancelled = round_of(player("cy"), course="Lincoln Park")
    player("bob")
    clock.move_to(TEE_OFF - timedelta(hours=5))
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{cancelled.code}/cancel").status_code == 303
    assert reminders.send_due_reminders() == 1  # ann's 24 h reminder, late but still worth it
    clock.move_to(TEE_OFF - timedelta(hours=2))
    assert reminders.send_due_reminders() == 2
    assert sent_rows() == [("ann", "24h"), ("ann", "2h"), ("bob", "2h")]


def test_the_tick_sends_due_reminders(app, player, round_of, clock):
    """Embedded mode's clock (and the worker's safety net): ``jobs.tick`` runs the reminders."""
    round_of(player("ann"))
    clock.move_to(TEE_OFF - timedelta(hours=23))
    jobs.tick()
    assert sent_rows() == [("ann", "24h")]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)")
def test_workers_racing_send_each_reminder_once(app, player, as_user, round_of, clock):
    tee_time = round_of(player("ann"))
    for name in ("bob", "cy"):
        player(name)
        assert action(as_user(name), f"/t/{tee_time.code}/claim").status_code == 303
    clock.move_to(TEE_OFF - timedelta(hours=2))
    workers = 6
    start = threading.Barrier(workers, timeout=30)

    def one_worker(_: int) -> int:
        start.wait()
        with app.app_context():
            try:
                return reminders.send_due_reminders()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sent = list(pool.map(one_worker, range(workers)))
    assert sum(sent) == 3
    assert sent_rows() == [("ann", "2h"), ("bob", "2h"), ("cy", "2h")]
    assert sorted(r for r, _ in reminder_mails()) == ["ann@example.com", "bob@example.com", "cy@example.com"]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="RQ scheduler needs Redis (TEST_REDIS_URL)")
def test_posting_a_round_schedules_its_reminders_on_rq(app, player, round_of, clock, mailbox):
    from rq import SimpleWorker
    from rq.registry import ScheduledJobRegistry

    tee_time = fetch(round_of(player("ann")))
    registry = ScheduledJobRegistry(queue=jobs.queue("default", app))
    scheduled = {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}
    assert scheduled == {
        f"reminder-{tee_time.id}-24h": (TEE_OFF - timedelta(hours=24)).replace(tzinfo=UTC),
        f"reminder-{tee_time.id}-2h": (TEE_OFF - timedelta(hours=2)).replace(tzinfo=UTC),
    }
    # The worker runs RQ's scheduler: at the due moment it moves the job onto the queue and runs it.
    clock.move_to(TEE_OFF - timedelta(hours=24))
    jobs.make_worker(app, SimpleWorker).work(burst=True, with_scheduler=True, logging_level="WARNING")
    assert sent_rows() == [("ann", "24h")]
    assert f"reminder-{tee_time.id}-24h" not in registry.get_job_ids()
    (mail,) = [m for m in mailbox.to("ann@example.com") if m.subject.startswith("Reminder:")]
    assert "The round you host at Harding Park is tomorrow" in mail.body


def test_flask_jobs_tick_sends_due_reminders(app, player, round_of, clock):
    round_of(player("ann"))
    clock.move_to(TEE_OFF - timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert sent_rows() == [("ann", "2h")]

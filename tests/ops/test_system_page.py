"""The admin's System page: admins only, and the same figures ``/metrics`` reports."""

from __future__ import annotations

import re

import pytest

from app import jobs
from app.extensions import db
from app.outbox.models import OutboxMail
from tests.factories import make_user
from tests.support import login, register


@pytest.fixture
def admin(app):
    make_user("boss", admin=True)
    client = app.test_client()
    assert login(client, "boss").status_code == 303
    return client


def cell(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)<', page, re.S)
    assert match, element_id
    return match.group(1).strip()


def test_admins_only(app, client):
    assert client.get("/admin/system").status_code == 302
    make_user("ann")
    assert login(client, "ann").status_code == 303
    assert client.get("/admin/system").status_code == 403


def test_the_page_shows_what_metrics_reports(app, admin, scrape):
    if jobs.redis_connection(app) is not None:  # a job that fails for good, before the mail is queued
        from rq import SimpleWorker

        jobs.queue("default").enqueue("app.jobs.run_job", "app.ops.no_such_task", job_id="doomed")
        jobs.make_worker(app, SimpleWorker).work(burst=True, logging_level="CRITICAL")
    register(app.test_client(), "cyd")  # a verification mail: queued (services) or sent (embedded)
    db.session.add(OutboxMail(kind="verify", recipient="x@example.com", subject="s", body="b",
                              status="failed", attempts=6, last_error="SMTPRecipientsRefused: 550"))
    db.session.add(OutboxMail(kind="reset", recipient="y@example.com", subject="s", body="b"))
    db.session.commit()
    worker = None
    if jobs.redis_connection(app) is not None:
        from rq import SimpleWorker

        worker = jobs.make_worker(app, SimpleWorker)
        worker.register_birth()
        worker.heartbeat()
    try:
        page = admin.get("/admin/system")
        found = scrape()
    finally:
        if worker is not None:
            worker.register_death()
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert int(cell(text, "outbox-pending")) == found.value("fairway_outbox_pending") >= 1
    assert int(cell(text, "outbox-failed")) == found.value("fairway_outbox_failed") == 1
    assert "SMTPRecipientsRefused" in text
    if worker is None:
        assert "jobs run inline" in text
        assert found.value("fairway_rq_queue_depth", queue="mail") == 0
    else:
        queued = re.search(r'id="queue-mail".*?class="depth">(\d+)<', text, re.S)
        assert queued and int(queued.group(1)) == found.value("fairway_rq_queue_depth", queue="mail") == 1
        assert int(cell(text, "worker-count")) == found.value("fairway_rq_workers") == 1
        assert worker.name in text and "s ago" in text
        assert found.value("fairway_rq_failed_jobs", queue="default") == 1
        assert "doomed" in text and "AttributeError" in text

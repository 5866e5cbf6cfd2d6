"""The jobs page: outbox mail by status with its error, retry of a failed mail through the
queue, and the RQ queues and workers when Redis is configured."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.outbox.models import FAILED, PENDING, SENT, OutboxMail
from tests.admin.conftest import audit_rows
from tests.conftest import SERVICES, TEST_REDIS_URL, free_port
from tests.support import post, register

needs_redis = pytest.mark.skipif(not (SERVICES and TEST_REDIS_URL), reason="needs Redis (services mode)")


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {"ADMIN_PAGE_SIZE": 3})


def outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)))


def mail_row(status: str, kind: str = "verify", error: str | None = None) -> OutboxMail:
    row = OutboxMail(kind=kind, recipient=f"{kind}@example.com", subject="s", body="b", status=status,
                     attempts=6 if status == FAILED else 0, last_error=error)
    db.session.add(row)
    db.session.commit()
    return row


def listed(page: str) -> list[tuple[int, str]]:
    return [(int(i), s) for i, s in re.findall(r'<tr id="mail-(\d+)" class="mail-(\w+)">', page)]


def test_the_outbox_by_status_with_errors(admin):
    failed = mail_row(FAILED, error="SMTPRecipientsRefused: <b>mailbox full</b>")
    pending = mail_row(PENDING, kind="reset", error="ConnectionRefusedError: try 1")
    sent = mail_row(SENT, kind="address_in_use")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "1 pending" in page and "1 failed" in page and "1 sent" in page
    assert listed(page) == [(sent.id, SENT), (pending.id, PENDING), (failed.id, FAILED)]
    # The error is shown, escaped; only the failed row can be retried.
    assert "SMTPRecipientsRefused: &lt;b&gt;mailbox full&lt;/b&gt;" in page
    assert "ConnectionRefusedError: try 1" in page
    assert page.count("/retry") == 1 and f"/admin/jobs/{failed.id}/retry" in page

    assert listed(admin.get("/admin/jobs?status=failed").get_data(as_text=True)) == [(failed.id, FAILED)]
    assert listed(admin.get("/admin/jobs?status=pending").get_data(as_text=True)) == [(pending.id, PENDING)]


def test_the_outbox_is_paginated(admin):
    made = [mail_row(SENT, kind=f"k{n}") for n in range(5)]
    first = admin.get("/admin/jobs?status=sent").get_data(as_text=True)
    assert [i for i, _ in listed(first)] == [m.id for m in made[::-1][:3]] and "Page 1 of 2" in first
    second = admin.get("/admin/jobs?status=sent&page=2").get_data(as_text=True)
    assert [i for i, _ in listed(second)] == [made[1].id, made[0].id]


@pytest.mark.parametrize("query", ["status=lost", "page=0", "page=many"])
def test_bad_filters_are_422(admin, query):
    answer = admin.get(f"/admin/jobs?{query}")
    assert answer.status_code == 422 and 'class="error"' in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    "config_overrides", [{"MAIL_PORT": free_port(), "OUTBOX_MAX_ATTEMPTS": 1}], indirect=True
)
def test_retry_of_a_failed_mail(app, admin, make_user, mailbox, drain, monkeypatch):
    ann = make_user("ann")
    # The mail server is down: the reset mail fails (one attempt allowed here).
    assert post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users").status_code == 303
    drain()
    (row,) = outbox()
    assert (row.status, row.attempts) == (FAILED, 1)
    assert "ConnectionRefusedError" in row.last_error
    page = admin.get("/admin/jobs?status=failed").get_data(as_text=True)
    assert listed(page) == [(row.id, FAILED)] and "ConnectionRefusedError" in page

    # The mail server is back; the admin retries.
    monkeypatch.setattr(app.extensions["mail"], "port", mailbox.port)
    answer = post(admin, f"/admin/jobs/{row.id}/retry", token_from="/admin/jobs")
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/jobs"
    drain()
    (row,) = outbox()
    assert (row.status, row.attempts, row.last_error) == (SENT, 1, None)
    (mail,) = mailbox.to("ann@example.com")
    assert "/reset/" in mail.body
    assert audit_rows()[-1] == ("boss", "mail.retry", f"mail:{row.id}", "kind=reset")
    assert "0 failed" in admin.get("/admin/jobs").get_data(as_text=True)


@pytest.mark.parametrize("status", [PENDING, SENT])
def test_only_failed_mail_is_retried(admin, status, mailbox, drain):
    row = mail_row(status)
    answer = post(admin, f"/admin/jobs/{row.id}/retry", token_from="/admin/jobs")
    assert answer.status_code == 409 and "Only failed mail" in answer.get_data(as_text=True)
    drain()
    assert outbox()[0].status == status and audit_rows() == [] and mailbox.messages == []


def test_retry_of_an_unknown_mail_is_404(admin):
    assert post(admin, "/admin/jobs/999/retry", token_from="/admin/jobs").status_code == 404


@pytest.mark.skipif(SERVICES and bool(TEST_REDIS_URL), reason="embedded mode only")
def test_without_redis_the_page_says_jobs_run_inline(admin):
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "No Redis configured" in page and 'class="table queues"' not in page


@needs_redis
def test_queue_lengths_and_workers(app, admin, client, drain):
    assert register(client, "alice").status_code == 303
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert re.search(r'<tr id="queue-mail"><td[^>]*>mail</td><td[^>]*class="queued">1</td>', page)
    assert re.search(r'<tr id="queue-default"><td[^>]*>default</td><td[^>]*class="queued">0</td>', page)
    assert "0 workers" in page

    from rq import Worker

    worker = Worker([jobs.queue("mail")], connection=jobs.redis_connection(app), name="admin-test-worker")
    worker.register_birth()
    try:
        page = admin.get("/admin/jobs").get_data(as_text=True)
        assert "1 worker:" in page and "admin-test-worker" in page
    finally:
        worker.register_death()
    drain()
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert re.search(r'<tr id="queue-mail"><td[^>]*>mail</td><td[^>]*class="queued">0</td>', page)


@needs_redis
def test_redis_away_still_shows_the_outbox(app, admin, monkeypatch):
    mail_row(FAILED, error="boom")

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(jobs.Queue, "count", property(refuse))
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "Redis does not answer" in page and "boom" in page

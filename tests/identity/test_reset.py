"""Password reset: one answer for every address, a one-hour single-use link that dies when the
password changes, verification instead of reset for unverified accounts, other sessions ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app import jobs
from app.extensions import db
from app.identity import signals, tokens
from app.identity.routes import RESET_SENT
from app.outbox.models import OutboxMail
from tests.identity.conftest import fetch, without_csrf
from tests.support import PASSWORD, csrf, link_in, login, post

NEW_PASSWORD = "a-brand-new-passphrase"


def ask_reset(client, email: str):
    return post(client, "/reset", {"email": email}, token_from="/reset")


def reset_link(client, mailbox, drain, email: str = "alice@example.com") -> str:
    assert ask_reset(client, email).status_code == 303
    drain()
    return link_in(mailbox.to(email)[-1].body, "reset")


def test_reset_page_renders(client):
    response = client.get("/reset")
    assert response.status_code == 200 and 'name="email"' in response.get_data(as_text=True)


def test_known_and_unknown_addresses_get_the_same_answer(make_user, app, mailbox, drain):
    make_user("alice")
    known_client, unknown_client = app.test_client(), app.test_client()
    known = ask_reset(known_client, "alice@example.com")
    unknown = ask_reset(unknown_client, "nobody@example.com")
    assert known.status_code == unknown.status_code
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.status_code == 303 and known.headers["Location"] == "/login"
    known_page = known_client.get("/login").get_data(as_text=True)
    unknown_page = unknown_client.get("/login").get_data(as_text=True)
    assert without_csrf(known_page) == without_csrf(unknown_page)
    assert RESET_SENT.replace("'", "&#39;") in known_page
    drain()
    [mail] = mailbox.to("alice@example.com")
    assert "http://fairway.test/reset/" in mail.body
    assert mailbox.to("nobody@example.com") == []


def test_the_request_does_the_same_work_whatever_the_address(make_user, app, monkeypatch, mailbox, drain):
    """Timing cannot tell a known address from an unknown one when the request does the same
    thing for both: one outbox row naming the address, one job; the job decides the mail."""
    make_user("alice")
    make_user("carol", verified=False)
    real_dispatch = jobs._dispatch
    held: list[jobs.PendingJob] = []
    work = {}
    for email in ("alice@example.com", "carol@example.com", "nobody@example.com", "  ALICE@Example.com"):
        client = app.test_client()
        token = csrf(client, "/reset")
        statements: list[str] = []
        dispatched: list[jobs.PendingJob] = []

        def record(conn, cursor, statement, parameters, context, executemany,  # noqa: ANN001
                   statements: list[str] = statements) -> None:
            statements.append(statement)

        def hold(app, pending, dispatched: list[jobs.PendingJob] = dispatched) -> None:  # noqa: ANN001
            dispatched.extend(pending)

        monkeypatch.setattr(jobs, "_dispatch", hold)
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.post("/reset", data={"email": email, "csrf_token": token})
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
            monkeypatch.setattr(jobs, "_dispatch", real_dispatch)
        work[email] = (response.status_code, response.headers["Location"], statements,
                       [(job.path, job.queue, len(job.args)) for job in dispatched])
        held.extend(dispatched)
    assert len({repr(done) for done in work.values()}) == 1, work
    assert work["nobody@example.com"][2], "the request wrote nothing"
    db.session.expire_all()
    rows = db.session.execute(sa.select(OutboxMail.kind, OutboxMail.recipient, OutboxMail.body)).all()
    assert sorted(rows) == sorted(("reset_request", email, "") for email in (
        "alice@example.com", "carol@example.com", "nobody@example.com", "alice@example.com"))

    real_dispatch(app, held)  # now the jobs decide
    drain()
    assert ["/reset/" in mail.body for mail in mailbox.to("alice@example.com")] == [True, True]
    [verify] = mailbox.to("carol@example.com")
    assert "/verify/" in verify.body
    assert mailbox.to("nobody@example.com") == []
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMail).where(OutboxMail.kind == "reset_request")
    ) == 0


def test_address_is_matched_ignoring_case(make_user, client, mailbox, drain):
    make_user("alice")
    ask_reset(client, "  ALICE@Example.com ")
    drain()
    assert len(mailbox.to("alice@example.com")) == 1


def test_unverified_account_gets_a_verification_mail_instead(make_user, client, mailbox, drain):
    make_user("alice", verified=False)
    assert ask_reset(client, "alice@example.com").status_code == 303
    drain()
    [mail] = mailbox.to("alice@example.com")
    assert "/verify/" in mail.body and "/reset/" not in mail.body
    assert client.get(link_in(mail.body, "verify")).status_code == 302
    assert fetch("alice").email_verified


def test_deactivated_account_gets_nothing(make_user, client, mailbox, drain):
    from app.clock import utcnow

    make_user("alice", deactivated_at=utcnow())
    assert ask_reset(client, "alice@example.com").status_code == 303
    drain()
    assert mailbox.to("alice@example.com") == []


@pytest.mark.parametrize("email", ["", "not-an-address", "x" * 300 + "@example.com"])
def test_bad_address_gets_422(client, email):
    assert ask_reset(client, email).status_code == 422


def test_link_sets_a_new_password_once(make_user, client, mailbox, drain):
    make_user("alice")
    events: list[str] = []

    def listener(sender, user, **extra):
        events.append(user.username)

    signals.password_changed.connect(listener)
    try:
        path = reset_link(client, mailbox, drain)
        page = client.get(path)
        assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
        response = post(client, path, {"password": NEW_PASSWORD}, token_from=path)
        assert response.status_code == 303 and response.headers["Location"] == "/login"
    finally:
        signals.password_changed.disconnect(listener)
    assert events == ["alice"]

    assert client.get(path).status_code == 400
    csrf_page = "/reset"
    again = post(client, path, {"password": "yet-another-passphrase"}, token_from=csrf_page)
    assert again.status_code == 400
    assert login(client, "alice").status_code == 422
    assert login(client, "alice", NEW_PASSWORD).status_code == 303


def test_new_password_follows_the_policy(make_user, client, mailbox, drain):
    make_user("alice")
    path = reset_link(client, mailbox, drain)
    for bad in ("short", "password1", "k" * 129):
        response = post(client, path, {"password": bad}, token_from=path)
        assert response.status_code == 422
    assert post(client, path, {"password": NEW_PASSWORD}, token_from=path).status_code == 303


def test_link_expires_after_an_hour(make_user, client, mailbox, drain):
    make_user("alice")
    path = reset_link(client, mailbox, drain)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, minutes=1)):
        assert client.get(path).status_code == 400
        assert post(client, path, {"password": NEW_PASSWORD}, token_from="/reset").status_code == 400
    assert login(client, "alice").status_code == 303


def test_link_works_within_the_hour(make_user, client, mailbox, drain):
    make_user("alice")
    path = reset_link(client, mailbox, drain)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=59)):
        assert post(client, path, {"password": NEW_PASSWORD}, token_from=path).status_code == 303


def test_link_dies_after_a_password_change(make_user, app, client, mailbox, drain):
    make_user("alice")
    path = reset_link(app.test_client(), mailbox, drain)
    login(client, "alice")
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    assert post(client, "/settings/password", data, token_from="/settings").status_code == 303
    assert app.test_client().get(path).status_code == 400


def test_older_link_dies_when_a_newer_one_is_used(make_user, client, mailbox, drain):
    make_user("alice")
    first = reset_link(client, mailbox, drain)
    second = reset_link(client, mailbox, drain)
    assert post(client, second, {"password": NEW_PASSWORD}, token_from=second).status_code == 303
    assert client.get(first).status_code == 400


def test_link_dies_when_the_email_changes(make_user, app, client, mailbox, drain):
    make_user("alice")
    path = reset_link(app.test_client(), mailbox, drain)
    login(client, "alice")
    data = {"email": "alice.new@example.com", "password": PASSWORD}
    post(client, "/settings/email", data, token_from="/settings")
    drain()
    assert client.get(link_in(mailbox.to("alice.new@example.com")[-1].body, "verify")).status_code == 302
    assert app.test_client().get(path).status_code == 400


def test_verification_token_is_not_a_reset_token(make_user, client):
    user = make_user("alice")
    token = tokens.make_token(tokens.VERIFY, user, user.email)
    assert client.get(f"/reset/{token}").status_code == 400


@pytest.mark.parametrize("token", ["garbage", "x" * 2000, "a.b.c"])
def test_malformed_reset_tokens_get_400(client, token):
    assert client.get(f"/reset/{token}").status_code == 400


def test_reset_ends_every_other_session(make_user, app, client, mailbox, drain):
    make_user("alice")
    elsewhere = app.test_client()
    login(elsewhere, "alice", remember="y")
    remember = elsewhere.get_cookie("remember_token").value
    assert elsewhere.get("/settings").status_code == 200

    path = reset_link(client, mailbox, drain)
    assert post(client, path, {"password": NEW_PASSWORD}, token_from=path).status_code == 303

    assert elsewhere.get("/settings").status_code == 302
    revived = app.test_client()
    revived.set_cookie("remember_token", remember)
    assert revived.get("/settings").status_code == 302


def test_reset_signs_out_the_browser_that_used_it(make_user, client, mailbox, drain):
    make_user("alice")
    login(client, "alice")
    path = reset_link(client, mailbox, drain)
    assert post(client, path, {"password": NEW_PASSWORD}, token_from=path).status_code == 303
    assert client.get("/settings").status_code == 302

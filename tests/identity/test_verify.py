"""Email verification: signed links that expire after two days, verify once and for good,
die when the address changes; resend for the signed-in unverified user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from app.identity import signals, tokens
from tests.identity.conftest import fetch
from tests.support import PASSWORD, link_in, login, post, register


def verify_link(mailbox, drain, address: str = "alice@example.com", index: int = -1) -> str:
    drain()
    return link_in(mailbox.to(address)[index].body, "verify")


@pytest.fixture
def verified_events():
    seen: list[str] = []

    def listener(sender, user, **extra):
        seen.append(user.username)

    signals.email_verified.connect(listener)
    yield seen
    signals.email_verified.disconnect(listener)


def test_link_verifies_once_and_for_good(client, mailbox, drain, verified_events):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    first = client.get(path)
    assert first.status_code == 302 and first.headers["Location"] == "/"
    verified_at = fetch("alice").email_verified_at
    assert verified_at is not None
    assert verified_events == ["alice"]

    second = client.get(path)
    assert second.status_code == 400
    assert "This link no longer works" in second.get_data(as_text=True)
    assert fetch("alice").email_verified_at == verified_at
    assert verified_events == ["alice"]


def test_verification_works_without_being_signed_in(app, client, mailbox, drain):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    assert app.test_client().get(path).status_code == 302
    assert fetch("alice").email_verified


def test_link_expires_after_two_days(client, mailbox, drain):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2, minutes=1)):
        assert client.get(path).status_code == 400
    assert not fetch("alice").email_verified


def test_link_still_works_just_before_two_days(client, mailbox, drain):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1, hours=23)):
        assert client.get(path).status_code == 302
    assert fetch("alice").email_verified


@pytest.mark.parametrize(
    "token", ["garbage", "a" * 600, "eyJ1IjoxfQ.AAAA.BBBB", "%00", "..", "'; drop table users;--"]
)
def test_malformed_tokens_get_400(client, token):
    assert client.get(f"/verify/{token}").status_code == 400


def test_a_reset_token_is_not_a_verification_token(app, make_user, client):
    user = make_user("alice", verified=False)
    reset_token = tokens.make_token(tokens.RESET, user, user.email)
    assert client.get(f"/verify/{reset_token}").status_code == 400
    assert not fetch("alice").email_verified


def test_token_for_another_secret_is_refused(app, make_user, client):
    user = make_user("alice", verified=False)
    app.config["SECRET_KEY"] = "another-secret"
    token = tokens.make_token(tokens.VERIFY, user, user.email)
    app.config["SECRET_KEY"] = "test-secret-key-not-for-production"
    assert client.get(f"/verify/{token}").status_code == 400


def test_deactivated_account_cannot_verify(client, mailbox, drain):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    assert post(client, "/settings/delete", {"password": PASSWORD}, token_from="/settings").status_code == 303
    assert client.get(path).status_code == 400


def test_old_link_dies_when_the_email_changes(client, mailbox, drain):
    register(client, "alice")
    old_link = verify_link(mailbox, drain)
    data = {"email": "alice.new@example.com", "password": PASSWORD}
    assert post(client, "/settings/email", data, token_from="/settings").status_code == 303
    new_link = verify_link(mailbox, drain, "alice.new@example.com")
    assert client.get(new_link).status_code == 302
    user = fetch("alice")
    assert user.email == "alice.new@example.com" and user.email_verified and user.pending_email is None
    assert client.get(old_link).status_code == 400
    assert fetch("alice").email == "alice.new@example.com"


def test_link_dies_when_the_password_changes(client, mailbox, drain):
    register(client, "alice")
    path = verify_link(mailbox, drain)
    data = {"current_password": PASSWORD, "password": "a-brand-new-passphrase"}
    assert post(client, "/settings/password", data, token_from="/settings").status_code == 303
    assert client.get(path).status_code == 400
    assert not fetch("alice").email_verified


def test_resend_mails_a_new_working_link(client, mailbox, drain):
    register(client, "alice")
    drain()
    response = post(client, "/verify/resend", token_from="/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    drain()
    mails = mailbox.to("alice@example.com")
    assert len(mails) == 2
    assert client.get(link_in(mails[1].body, "verify")).status_code == 302
    assert fetch("alice").email_verified


def test_resend_when_verified_sends_nothing(make_user, client, mailbox, drain):
    make_user("alice")
    login(client, "alice")
    response = post(client, "/verify/resend", token_from="/settings")
    assert response.status_code == 303
    drain()
    assert mailbox.to("alice@example.com") == []
    assert "already confirmed" in client.get("/").get_data(as_text=True)


def test_resend_needs_login(client):
    response = post(client, "/verify/resend")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


"""Settings: username, email with re-verification, password (other sessions end, this one stays),
and closing the account (deactivation)."""

from __future__ import annotations

import pytest

from app.identity import signals
from tests.identity.conftest import fetch
from tests.support import PASSWORD, link_in, login, post

NEW_PASSWORD = "a-brand-new-passphrase"


def change(client, what: str, **data: str):
    return post(client, f"/settings/{what}", data, token_from="/settings")


@pytest.fixture
def alice(make_user, client):
    user = make_user("alice")
    assert login(client, "alice").status_code == 303
    return user


def test_settings_needs_login(client):
    response = client.get("/settings")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/settings"


@pytest.mark.parametrize("what", ["username", "email", "password", "delete"])
def test_settings_posts_need_login(client, what):
    response = post(client, f"/settings/{what}", {"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_settings_page_shows_the_account(alice, client):
    page = client.get("/settings").get_data(as_text=True)
    assert "alice@example.com" in page and 'value="alice"' in page and "confirmed" in page


# --- username ----------------------------------------------------------------------------


def test_username_change(alice, client):
    response = change(client, "username", username="Alice_Golf")
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    assert fetch("alice_golf").id == alice.id
    assert "Hi, alice_golf" in client.get("/").get_data(as_text=True)
    assert login(client.application.test_client(), "alice_golf").status_code == 303


def test_same_username_is_fine(alice, client):
    assert change(client, "username", username="ALICE").status_code == 303


@pytest.mark.parametrize("taken", ["bob", "BOB"])
def test_taken_username_is_refused(alice, make_user, client, taken):
    make_user("bob")
    response = change(client, "username", username=taken)
    assert response.status_code == 422
    assert "That username is taken." in response.get_data(as_text=True)
    assert fetch("alice").id == alice.id


@pytest.mark.parametrize("bad", ["ab", "x" * 31, "no spaces", "", "é" * 5])
def test_bad_username_is_refused(alice, client, bad):
    assert change(client, "username", username=bad).status_code == 422
    assert fetch("alice").id == alice.id


# --- email -------------------------------------------------------------------------------


def test_email_change_needs_the_password(alice, client, mailbox, drain):
    response = change(client, "email", email="new@example.com", password="wrong-password!")
    assert response.status_code == 422
    assert "Your password is not right." in response.get_data(as_text=True)
    assert change(client, "email", email="new@example.com").status_code == 422
    drain()
    assert mailbox.to("new@example.com") == []
    assert fetch("alice").pending_email is None


def test_new_address_is_pending_until_confirmed(alice, client, mailbox, drain):
    response = change(client, "email", email="New@Example.com", password=PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    user = fetch("alice")
    assert (user.email, user.pending_email) == ("alice@example.com", "new@example.com")
    assert "Waiting for confirmation: new@example.com" in client.get("/settings").get_data(as_text=True)
    other = client.application.test_client()
    assert login(other, "new@example.com").status_code == 422
    assert login(other, "alice@example.com").status_code == 303

    drain()
    [mail] = mailbox.to("new@example.com")
    assert mailbox.to("alice@example.com") == []
    assert client.get(link_in(mail.body, "verify")).status_code == 302
    user = fetch("alice")
    assert (user.email, user.pending_email) == ("new@example.com", None)
    assert user.email_verified
    assert login(client.application.test_client(), "new@example.com").status_code == 303


def test_confirming_a_new_address_does_not_resend_email_verified(alice, client, mailbox, drain):
    seen: list[str] = []

    def listener(sender, user, **extra):
        seen.append(user.username)

    signals.email_verified.connect(listener)
    try:
        change(client, "email", email="new@example.com", password=PASSWORD)
        drain()
        client.get(link_in(mailbox.to("new@example.com")[0].body, "verify"))
    finally:
        signals.email_verified.disconnect(listener)
    assert seen == []


def test_taken_address_gets_the_same_answer_and_no_mail(alice, make_user, client, mailbox, drain):
    make_user("bob")
    response = change(client, "email", email="bob@example.com", password=PASSWORD)
    assert response.status_code == 303
    drain()
    assert mailbox.to("bob@example.com") == []
    assert fetch("alice").email == "alice@example.com"


def test_address_taken_while_pending_is_not_stolen(alice, make_user, client, mailbox, drain):
    change(client, "email", email="new@example.com", password=PASSWORD)
    drain()
    path = link_in(mailbox.to("new@example.com")[0].body, "verify")
    make_user("carol", email="new@example.com")
    assert client.get(path).status_code == 400
    assert fetch("alice").email == "alice@example.com"
    assert fetch("carol").email == "new@example.com"


@pytest.mark.parametrize("bad", ["nope", "", "a@mailinator.com", "y" * 300 + "@example.com"])
def test_bad_new_address_is_refused(alice, client, bad):
    assert change(client, "email", email=bad, password=PASSWORD).status_code == 422
    assert fetch("alice").pending_email is None


def test_unverified_user_changing_email_gets_verified_by_the_new_link(make_user, client, mailbox, drain):
    make_user("alice", verified=False)
    login(client, "alice")
    change(client, "email", email="new@example.com", password=PASSWORD)
    drain()
    assert client.get(link_in(mailbox.to("new@example.com")[0].body, "verify")).status_code == 302
    user = fetch("alice")
    assert user.email == "new@example.com" and user.email_verified


# --- password ----------------------------------------------------------------------------


def test_password_change_ends_other_sessions_but_keeps_this_one(alice, app, client):
    other = app.test_client()
    login(other, "alice")
    assert other.get("/settings").status_code == 200

    response = change(client, "password", current_password=PASSWORD, password=NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    assert client.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302
    assert login(app.test_client(), "alice").status_code == 422
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 303


def test_password_change_needs_the_current_password(alice, client):
    response = change(client, "password", current_password="wrong-password!", password=NEW_PASSWORD)
    assert response.status_code == 422
    assert "Your current password is not right." in response.get_data(as_text=True)
    assert login(client.application.test_client(), "alice").status_code == 303


@pytest.mark.parametrize("bad", ["short", "password", "k" * 129, ""])
def test_new_password_follows_the_policy(alice, client, bad):
    assert change(client, "password", current_password=PASSWORD, password=bad).status_code == 422


# --- delete = deactivate -----------------------------------------------------------------


def test_delete_deactivates_and_ends_sessions(alice, app, client):
    other = app.test_client()
    login(other, "alice")
    events: list[str] = []

    def listener(sender, user, **extra):
        events.append(user.username)

    signals.user_deactivated.connect(listener)
    try:
        response = change(client, "delete", password=PASSWORD)
    finally:
        signals.user_deactivated.disconnect(listener)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert events == ["alice"]
    user = fetch("alice")
    assert user.deactivated_at is not None and not user.is_active
    assert client.get("/settings").status_code == 302
    assert other.get("/settings").status_code == 302
    failed = login(app.test_client(), "alice")
    assert failed.status_code == 422
    assert "match an account" in failed.get_data(as_text=True)


def test_delete_needs_the_password(alice, client):
    response = change(client, "delete", password="wrong-password!")
    assert response.status_code == 422
    assert fetch("alice").is_active
    assert change(client, "delete").status_code == 422
    assert client.get("/settings").status_code == 200

"""Every identity POST needs its CSRF token: without one (or with a wrong one) the answer is 400
and nothing changes."""

from __future__ import annotations

import pytest

from app.identity import tokens
from tests.identity.conftest import fetch
from tests.support import PASSWORD, csrf, login

ROUTES = [
    ("/register", {"username": "mallory", "email": "m@example.com", "password": PASSWORD}),
    ("/login", {"login": "alice", "password": PASSWORD}),
    ("/logout", {}),
    ("/verify/resend", {}),
    ("/reset", {"email": "alice@example.com"}),
    ("/reset/{token}", {"password": "a-brand-new-passphrase"}),
    ("/settings/username", {"username": "renamed"}),
    ("/settings/email", {"email": "new@example.com", "password": PASSWORD}),
    ("/settings/password", {"current_password": PASSWORD, "password": "a-brand-new-passphrase"}),
    ("/settings/delete", {"password": PASSWORD}),
]


@pytest.fixture
def signed_in(make_user, client):
    user = make_user("alice", verified=False)
    assert login(client, "alice").status_code == 303
    return user


@pytest.mark.parametrize(("path", "data"), ROUTES, ids=[path for path, _ in ROUTES])
@pytest.mark.parametrize("token", [None, "forged-token", "other-session"])
def test_post_without_a_valid_csrf_token_is_refused(
    signed_in, app, client, mailbox, drain, path, data, token
):
    path = path.format(token=tokens.make_token(tokens.RESET, signed_in, signed_in.email))
    form = dict(data)
    if token == "other-session":
        form["csrf_token"] = csrf(app.test_client())
    elif token is not None:
        form["csrf_token"] = token
    response = client.post(path, data=form)
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)

    drain()
    assert mailbox.messages == []
    user = fetch("alice")
    assert user.username == "alice" and user.is_active and user.pending_email is None
    assert user.password_hash == signed_in.password_hash
    assert client.get("/settings").status_code == 200


ANONYMOUS = ROUTES[:2] + ROUTES[4:6]


@pytest.mark.parametrize(("path", "data"), ANONYMOUS, ids=["register", "login", "reset", "reset-token"])
def test_anonymous_post_without_csrf_is_refused(make_user, client, path, data):
    user = make_user("alice")
    path = path.format(token=tokens.make_token(tokens.RESET, user, user.email))
    assert client.post(path, data=data).status_code == 400
    assert client.get("/settings").status_code == 302

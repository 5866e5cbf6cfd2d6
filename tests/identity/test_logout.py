"""Signing out ends "keep me signed in": the answer deletes the remember cookie and the token it
carried stops working everywhere, as it does after every other way a sign-in ends (password
change, reset, closing the account, an admin's deactivation or reset)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.identity.routes import SIGNED_OUT, SIGNED_OUT_EVERYWHERE
from tests.identity.conftest import fetch
from tests.support import PASSWORD, link_in, login, logout, post

REMEMBER = "remember_token"
NEW_PASSWORD = "a-brand-new-passphrase"


def signed_in_as(client, username: str) -> bool:
    return f"Hi, {username}" in client.get("/").get_data(as_text=True)


def remembered_login(app, username: str = "alice"):  # type: ignore[no-untyped-def]
    """A browser signed in with "keep me signed in", and the value of its remember cookie."""
    browser = app.test_client()
    assert login(browser, username, remember="y").status_code == 303
    cookie = browser.get_cookie(REMEMBER)
    assert cookie is not None
    return browser, cookie.value


def replayed(app, cookie: str):  # type: ignore[no-untyped-def]
    """A browser that holds nothing but a copy of the remember cookie."""
    thief = app.test_client()
    thief.set_cookie(REMEMBER, cookie)
    return thief


def remember_deletion(response) -> str:  # type: ignore[no-untyped-def]
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER}=")]
    return header


def test_signing_out_deletes_the_cookie_and_retires_its_token(make_user, app):
    make_user("alice")
    browser, cookie = remembered_login(app)
    assert signed_in_as(replayed(app, cookie), "alice")  # a copy works while the sign-in lasts

    answer = logout(browser)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    deletion = remember_deletion(answer)
    assert deletion.startswith(f"{REMEMBER}=;") and "Expires=Thu, 01 Jan 1970" in deletion
    assert "HttpOnly" in deletion and "SameSite=Lax" in deletion and "Path=/" in deletion
    assert browser.get_cookie(REMEMBER) is None
    assert not signed_in_as(browser, "alice")

    # The copy, replayed from a fresh browser (any instance: the token lives in the database).
    thief = replayed(app, cookie)
    assert not signed_in_as(thief, "alice")
    assert thief.get("/settings").status_code == 302
    assert login(app.test_client(), "alice").status_code == 303  # the account itself is fine


def test_signing_out_a_remembered_login_says_the_other_devices_are_out(make_user, app):
    make_user("alice")
    browser, _ = remembered_login(app)
    laptop = app.test_client()
    login(laptop, "alice")
    answer = logout(browser)
    assert SIGNED_OUT_EVERYWHERE.replace("'", "&#39;") in browser.get(answer.headers["Location"]).get_data(
        as_text=True
    )
    # Every session of the account held the token the cookie carried.
    assert laptop.get("/settings").status_code == 302


def test_signing_out_without_remember_me_leaves_other_devices_alone(make_user, app):
    alice = make_user("alice")
    token = alice.session_token
    phone, cookie = remembered_login(app)
    laptop = app.test_client()
    login(laptop, "alice")

    answer = logout(laptop)
    assert answer.status_code == 303
    assert not [h for h in answer.headers.getlist("Set-Cookie") if h.startswith(f"{REMEMBER}=")]
    page = laptop.get("/").get_data(as_text=True)
    assert SIGNED_OUT.replace("'", "&#39;") in page and "other devices" not in page
    assert fetch("alice").session_token == token
    assert phone.get("/settings").status_code == 200
    assert signed_in_as(replayed(app, cookie), "alice")


def test_a_stale_cookie_is_deleted_at_sign_out(make_user, app):
    make_user("alice")
    browser, cookie = remembered_login(app)
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    assert post(browser, "/settings/password", data, token_from="/settings").status_code == 303
    # The password change kept this browser signed in; its remember cookie no longer works.
    assert browser.get_cookie(REMEMBER).value == cookie
    answer = logout(browser)
    assert remember_deletion(answer).startswith(f"{REMEMBER}=;")
    assert browser.get_cookie(REMEMBER) is None
    assert login(app.test_client(), "alice", NEW_PASSWORD).status_code == 303


def test_the_cookie_is_deleted_with_the_secure_flag_it_was_set_with(make_user, app):
    app.config["REMEMBER_COOKIE_SECURE"] = True
    make_user("alice")
    browser = app.test_client()
    # Flask-WTF checks the Referer of a form posted over HTTPS.
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
    data = {"login": "alice", "password": PASSWORD, "remember": "y"}
    assert post(browser, "/login", data, **https).status_code == 303
    answer = post(browser, "/logout", token_from="/settings", **https)
    assert answer.status_code == 303
    assert "Secure" in remember_deletion(answer)


# --- every other way a sign-in ends also ends its remember cookie ------------------------------


def change_password(app, browser) -> None:  # type: ignore[no-untyped-def]
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    assert post(browser, "/settings/password", data, token_from="/settings").status_code == 303


def reset_by_link(app, browser, mailbox, drain) -> None:  # type: ignore[no-untyped-def]
    other = app.test_client()
    assert post(other, "/reset", {"email": "alice@example.com"}, token_from="/reset").status_code == 303
    drain()
    path = link_in(mailbox.to("alice@example.com")[-1].body, "reset")
    assert post(other, path, {"password": NEW_PASSWORD}, token_from=path).status_code == 303


def close_account(app, browser) -> None:  # type: ignore[no-untyped-def]
    answer = post(browser, "/settings/delete", {"password": PASSWORD}, token_from="/settings")
    assert answer.status_code == 303
    assert remember_deletion(answer).startswith(f"{REMEMBER}=;")


def admin_action(action: str) -> Callable[..., None]:
    def act(app, browser) -> None:  # type: ignore[no-untyped-def]
        admin = app.test_client()
        assert login(admin, "boss").status_code == 303
        user_id = fetch("alice").id
        assert post(admin, f"/admin/users/{user_id}/{action}", token_from="/admin/users").status_code == 303

    return act


ENDINGS = {
    "password change": change_password,
    "reset link": reset_by_link,
    "account closed": close_account,
    "admin deactivation": admin_action("deactivate"),
    "admin reset": admin_action("reset-password"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_every_ending_retires_the_remember_cookie(make_user, app, mailbox, drain, ending):
    make_user("alice")
    make_user("boss", admin=True)
    browser, cookie = remembered_login(app)
    action = ENDINGS[ending]
    if ending == "reset link":
        action(app, browser, mailbox, drain)
    else:
        action(app, browser)
    assert not signed_in_as(replayed(app, cookie), "alice")
    assert replayed(app, cookie).get("/settings").status_code == 302

"""Sign-in and sign-out: by username or email, one failure message, safe ``next``,
fresh session ids, server-side logout, remember-me and the record of attempts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import LoginAttempt
from app.privacy import hash_identifier
from tests.identity.conftest import fetch, without_csrf
from tests.support import PASSWORD, login, logout, post

COOKIE = "fairway_session"
FAILURE = "That username or email and password don&#39;t match an account."


def signed_in_as(client, username: str) -> bool:
    return f"Hi, {username}" in client.get("/").get_data(as_text=True)


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


@pytest.mark.parametrize("name", ["alice", "ALICE", " alice ", "alice@example.com", "Alice@Example.COM"])
def test_login_by_username_or_email(make_user, client, name):
    make_user("alice")
    response = login(client, name)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert signed_in_as(client, "alice")
    assert fetch("alice").last_login_at is not None


def test_unknown_user_and_wrong_password_get_the_same_answer(make_user, app):
    make_user("alice")
    wrong = login(app.test_client(), "alice", "not-the-password")
    unknown = login(app.test_client(), "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 422
    wrong_body, unknown_body = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert FAILURE in wrong_body and FAILURE in unknown_body
    assert without_csrf(wrong_body).replace("alice", "X") == without_csrf(unknown_body).replace("nobody", "X")


@pytest.mark.parametrize(
    "data",
    [{}, {"login": "alice"}, {"password": PASSWORD}, {"login": "a" * 300, "password": "x"},
     {"login": "alice", "password": "p" * 5000}],
)
def test_incomplete_or_oversized_login_forms_get_422(make_user, client, data):
    make_user("alice")
    assert post(client, "/login", data).status_code == 422
    assert not signed_in_as(client, "alice")


def test_deactivated_account_gets_the_generic_failure(make_user, client):
    from app.clock import utcnow

    make_user("alice", deactivated_at=utcnow())
    response = login(client, "alice")
    assert response.status_code == 422 and FAILURE in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("/u/bob?tab=games", "/u/bob?tab=games"),
        ("//evil.com", "/"),
        ("//evil.com/path", "/"),
        ("https://evil.com", "/"),
        ("http://evil.com/", "/"),
        ("/\\evil.com", "/"),
        ("\\\\evil.com", "/"),
        ("javascript:alert(1)", "/"),
        ("/%0d%0aSet-Cookie:x=y", "/%0d%0aSet-Cookie:x=y"),
        ("/\tevil", "/"),
        ("evil.com", "/"),
        ("", "/"),
    ],
)
def test_next_only_leads_to_local_paths(make_user, client, target, expected):
    make_user("alice")
    response = post(client, "/login", {"login": "alice", "password": PASSWORD},
                    query_string={"next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == expected
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == expected


def test_login_page_redirect_carries_next(client):
    response = client.get("/settings?tab=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/settings?tab%3Dx"


def test_session_id_changes_at_login(make_user, app, client):
    make_user("alice")
    client.get("/login")
    before = session_cookie(client)
    assert login(client, "alice").status_code == 303
    after = session_cookie(client)
    assert after != before
    # The pre-login id is gone on the server: replaying it does not give a signed-in session.
    replay = app.test_client()
    replay.set_cookie(COOKIE, before)
    assert not signed_in_as(replay, "alice")


def test_logout_deletes_the_server_side_session(make_user, app, client):
    make_user("alice")
    login(client, "alice")
    stolen = session_cookie(client)
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert signed_in_as(thief, "alice")

    response = logout(client)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert not signed_in_as(client, "alice")
    assert session_cookie(client) != stolen

    replay = app.test_client()
    replay.set_cookie(COOKIE, stolen)
    assert not signed_in_as(replay, "alice")
    assert replay.get("/settings").status_code == 302


def test_logout_when_signed_out_is_harmless(client):
    response = post(client, "/logout")
    assert response.status_code == 303


def test_remember_me_sets_a_lasting_cookie_that_signs_in(make_user, app, client):
    make_user("alice")
    response = login(client, "alice", remember="y")
    assert response.status_code == 303
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.expires is not None
    set_cookie = "; ".join(response.headers.getlist("Set-Cookie"))
    assert "remember_token=" in set_cookie

    later = app.test_client()
    later.set_cookie("remember_token", remember.value)
    assert signed_in_as(later, "alice")


def test_without_remember_me_there_is_no_lasting_cookie(make_user, client):
    make_user("alice")
    login(client, "alice")
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie(COOKIE).expires is None


def test_remember_cookie_dies_with_a_password_change(make_user, app, client):
    make_user("alice")
    login(client, "alice", remember="y")
    remember = client.get_cookie("remember_token").value
    data = {"current_password": PASSWORD, "password": "a-brand-new-passphrase"}
    assert post(client, "/settings/password", data, token_from="/settings").status_code == 303
    later = app.test_client()
    later.set_cookie("remember_token", remember)
    assert not signed_in_as(later, "alice")


# --- the record of attempts --------------------------------------------------------------


def attempts() -> list[LoginAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LoginAttempt).order_by(LoginAttempt.id)))


def test_every_attempt_is_recorded_without_raw_identifiers(make_user, client):
    from app.clock import utcnow

    alice = make_user("alice")
    make_user("gone", deactivated_at=utcnow())
    login(client, "alice", "wrong-password-here")
    login(client, "nobody@example.com", "whatever-pass")
    login(client, "gone")
    login(client, "alice@example.com")

    rows = attempts()
    assert [(r.outcome, r.user_id) for r in rows] == [
        ("bad_password", alice.id),
        ("unknown_login", None),
        ("inactive", fetch("gone").id),
        ("success", alice.id),
    ]
    for row in rows:
        assert row.created_at is not None
        assert row.ip_hash == hash_identifier("127.0.0.1")
        values = [str(getattr(row, column.key)) for column in LoginAttempt.__table__.columns]
        for raw in ("127.0.0.1", "alice@example.com", "nobody@example.com", "alice"):
            assert raw not in values
    assert rows[1].login_hash == hash_identifier("nobody@example.com")


def test_attempt_ip_is_the_client_address(make_user, client):
    make_user("alice")
    post(client, "/login", {"login": "alice", "password": PASSWORD},
         environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    [row] = attempts()
    assert row.ip_hash == hash_identifier("203.0.113.9") != hash_identifier("127.0.0.1")

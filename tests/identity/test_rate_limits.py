"""Rate limits (429): login failures per IP and per account (normalized login), sign-up per IP,
reset per IP and per address, resend per user."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import LoginAttempt
from tests.support import PASSWORD, post


@pytest.fixture
def config_overrides():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_LOGIN_IP": "5 per 10 minutes",
        "RATELIMIT_LOGIN_ACCOUNT": "3 per 10 minutes",
        "RATELIMIT_SIGNUP_IP": "3 per hour",
        "RATELIMIT_RESET_IP": "4 per hour",
        "RATELIMIT_RESET_ADDRESS": "2 per hour",
        "RATELIMIT_RESEND": "2 per hour",
    }


def from_ip(ip: str) -> dict:
    return {"environ_overrides": {"REMOTE_ADDR": ip}}


def attempt(client, login: str, password: str = "wrong-password!", ip: str = "10.0.0.1"):
    return post(client, "/login", {"login": login, "password": password}, **from_ip(ip))


def test_login_failures_per_account_share_a_normalized_bucket(make_user, client):
    make_user("alice")
    assert attempt(client, "alice", ip="10.0.0.1").status_code == 422
    assert attempt(client, " Alice", ip="10.0.0.2").status_code == 422
    assert attempt(client, "ALICE ", ip="10.0.0.3").status_code == 422
    blocked = attempt(client, "alice", PASSWORD, ip="10.0.0.4")
    assert blocked.status_code == 429
    assert "too many tries" in blocked.get_data(as_text=True)
    assert attempt(client, "bob", ip="10.0.0.5").status_code == 422


def test_the_username_and_email_of_one_account_share_its_bucket(make_user, client):
    make_user("alice")
    assert attempt(client, "alice", ip="10.0.0.1").status_code == 422
    assert attempt(client, "alice@example.com", ip="10.0.0.2").status_code == 422
    assert attempt(client, "ALICE@example.com", ip="10.0.0.3").status_code == 422
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.4").status_code == 429


def test_rate_limited_logins_are_recorded_against_the_account(make_user, client):
    alice = make_user("alice")
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        attempt(client, "alice", ip=ip)
    assert attempt(client, "ALICE@example.com", ip="10.0.0.4").status_code == 429
    for ip in ("10.0.0.5", "10.0.0.6", "10.0.0.7"):
        assert attempt(client, "nobody", ip=ip).status_code == 422
    assert attempt(client, "nobody", ip="10.0.0.8").status_code == 429
    rows = db.session.execute(
        sa.select(LoginAttempt.outcome, LoginAttempt.user_id).order_by(LoginAttempt.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        *[("bad_password", alice.id)] * 3, ("rate_limited", alice.id),
        *[("unknown_login", None)] * 3, ("rate_limited", None),
    ]


def test_the_admin_log_shows_the_account_of_a_limited_try(make_user, app, client):
    make_user("alice")
    make_user("boss", admin=True)
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        attempt(client, "alice", ip=ip)
    assert attempt(client, "alice", ip="10.0.0.4").status_code == 429
    admin = app.test_client()
    assert post(admin, "/login", {"login": "boss", "password": PASSWORD},
                **from_ip("10.0.9.9")).status_code == 303
    page = admin.get("/admin/logins", query_string={"outcome": "rate_limited"}).get_data(as_text=True)
    assert re.search(r"<td[^>]*>alice</td>", page) and "(no such account)" not in page


def test_login_failures_per_ip(make_user, client):
    make_user("alice")
    for name in ("u1", "u2", "u3", "u4", "u5"):
        assert attempt(client, name, ip="10.0.0.9").status_code == 422
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.9").status_code == 429
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.10").status_code == 303


def test_successful_logins_do_not_use_up_the_limit(make_user, app):
    make_user("alice")
    for _ in range(6):
        assert attempt(app.test_client(), "alice", PASSWORD).status_code == 303


def test_signup_per_ip(app):
    for i in range(3):
        data = {"username": f"user{i}", "email": f"user{i}@example.com", "password": PASSWORD}
        response = post(app.test_client(), "/register", data, token_from="/register", **from_ip("10.0.1.1"))
        assert response.status_code == 303
    data = {"username": "user9", "email": "user9@example.com", "password": PASSWORD}
    assert post(app.test_client(), "/register", data, token_from="/register",
                **from_ip("10.0.1.1")).status_code == 429
    assert post(app.test_client(), "/register", data, token_from="/register",
                **from_ip("10.0.1.2")).status_code == 303


def ask_reset(client, email: str, ip: str):
    return post(client, "/reset", {"email": email}, token_from="/reset", **from_ip(ip))


def test_reset_per_address_is_normalized(client):
    assert ask_reset(client, "alice@example.com", "10.0.2.1").status_code == 303
    assert ask_reset(client, " ALICE@example.com", "10.0.2.2").status_code == 303
    assert ask_reset(client, "alice@example.com", "10.0.2.3").status_code == 429
    assert ask_reset(client, "bob@example.com", "10.0.2.3").status_code == 303


def test_reset_per_ip(client):
    for i in range(4):
        assert ask_reset(client, f"user{i}@example.com", "10.0.3.1").status_code == 303
    assert ask_reset(client, "other@example.com", "10.0.3.1").status_code == 429
    assert ask_reset(client, "other@example.com", "10.0.3.2").status_code == 303


def test_resend_per_user(make_user, client, mailbox, drain):
    make_user("alice", verified=False)
    post(client, "/login", {"login": "alice", "password": PASSWORD})
    assert post(client, "/verify/resend", token_from="/").status_code == 303
    assert post(client, "/verify/resend", token_from="/").status_code == 303
    assert post(client, "/verify/resend", token_from="/").status_code == 429
    drain()
    assert len(mailbox.to("alice@example.com")) == 2


def test_limit_answers_carry_retry_headers(client):
    for i in range(4):
        ask_reset(client, f"user{i}@example.com", "10.0.4.1")
    response = ask_reset(client, "x@example.com", "10.0.4.1")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_only_refusals_carry_retry_after(make_user, app):
    """A Retry-After on a redirect tells the browser to wait before following it."""
    make_user("alice")
    data = {"username": "newbie", "email": "newbie@example.com", "password": PASSWORD}
    signed_up = post(app.test_client(), "/register", data, token_from="/register", **from_ip("10.0.5.1"))
    assert signed_up.status_code == 303 and "Retry-After" not in signed_up.headers
    assert signed_up.headers["X-RateLimit-Limit"] == "3"  # the limit's own headers stay
    signed_in = attempt(app.test_client(), "alice", PASSWORD, ip="10.0.5.2")
    assert signed_in.status_code == 303 and "Retry-After" not in signed_in.headers
    refused_form = attempt(app.test_client(), "alice", ip="10.0.5.3")
    assert refused_form.status_code == 422 and "Retry-After" not in refused_form.headers
    asked = ask_reset(app.test_client(), "alice@example.com", "10.0.5.4")
    assert asked.status_code == 303 and "Retry-After" not in asked.headers

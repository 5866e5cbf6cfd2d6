"""Security probes across the whole app: CSRF on every POST route, stored XSS in user text,
cookie flags, open redirects."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.identity import services as identity
from app.identity.models import User
from tests.support import PASSWORD, csrf, login, post

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def admin_client(app, client):
    identity.create_admin("root", "root@example.com", PASSWORD)
    db.session.commit()
    assert login(client, "root").status_code == 303
    return client


def post_rules(app) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(rule.rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ()))


def concrete(rule: str) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "root", rule)


def test_every_post_route_refuses_a_request_without_csrf(app, admin_client):
    rules = post_rules(app)
    assert len(rules) >= 20
    for rule in rules:
        answer = admin_client.post(concrete(rule), data={"body": "hi", "email": "a@example.com"})
        assert answer.status_code == 400, rule
    # Nothing above went through: the admin is still signed in and still active.
    assert admin_client.get("/settings").status_code == 200
    assert db.session.scalar(sa.select(User.deactivated_at).where(User.username == "root")) is None


def test_user_text_is_escaped_wherever_it_is_shown(app, admin_client, client):
    other = app.test_client()
    assert post(other, "/register", {"username": "bob", "email": "bob@example.com",
                                     "password": PASSWORD}, token_from="/register").status_code == 303
    edit = post(other, "/profile/edit", {"display_name": XSS[:50], "bio": XSS, "handicap": "",
                                         "zip": "", "drinking": "0", "mobility": "0",
                                         "weather": "0", "pace": "0"}, token_from="/profile/edit")
    assert edit.status_code == 303, edit.get_data(as_text=True)[:2000]
    sent = post(other, "/messages/root", {"body": XSS}, token_from="/messages/root")
    assert sent.status_code == 303
    invites = post(admin_client, "/admin/invites", {"uses": "1", "count": "1", "note": XSS},
                   token_from="/admin/invites")
    assert invites.status_code == 303

    pages = ["/u/bob", "/players?q=bob", "/messages", "/messages/bob", "/notifications",
             "/admin/invites", "/admin/users?q=bob"]
    for page in pages:
        body = admin_client.get(page).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, page
    assert "&lt;script&gt;" in admin_client.get("/u/bob").get_data(as_text=True)
    assert "&lt;script&gt;" in admin_client.get("/messages/bob").get_data(as_text=True)
    assert "&lt;script&gt;" in admin_client.get("/admin/invites").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "\\\\evil.example"])
def test_next_never_leaves_the_site(app, client, target):
    identity.create_admin("root", "root@example.com", PASSWORD)
    db.session.commit()
    answer = post(client, f"/login?next={target}", {"login": "root", "password": PASSWORD})
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_cookies_are_httponly_and_samesite(app, client):
    answer = client.get("/login")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, database_url):
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                      "SESSION_TYPE": "sqlalchemy", "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    with app.app_context():
        cookie = app.test_client().get("/login", base_url="https://fairway.test").headers["Set-Cookie"]
        db.engine.dispose()
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_token_in_another_session_is_refused(app, admin_client):
    foreign = csrf(app.test_client())
    answer = admin_client.post("/referrals/rotate", data={"csrf_token": foreign})
    assert answer.status_code == 400

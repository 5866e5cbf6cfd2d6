"""Every HTML page, signed in and not: a strict Content-Security-Policy (and nothing inline that
it would block), a Permissions-Policy, and no caching of what a signed-in player was shown."""

from __future__ import annotations

import logging
import re
from datetime import date, time, timedelta

import pytest
from flask import Flask

from app.core.headers import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from app.courses.models import Course
from app.extensions import db
from app.identity.models import User
from app.referrals.models import ReferralCode
from app.teetimes import services as teetimes
from tests.factories import make_member
from tests.support import login

#: Pages that are not HTML, or not a page of their own (the live conversation's poll answers
#: a fragment or 204).
NOT_PAGES = {"/static/<path:filename>", "/avatars/<name>", "/healthz", "/api/my-referral-link",
             "/api/referral/resolve", "/api/badges", "/messages/<username>/since"}

#: What the policy must say, directive by directive.
REQUIRED = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "object-src": "'none'",
    "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def page_rules() -> list[str]:
    from app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy"})
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and rule.rule not in NOT_PAGES})


def world(app: Flask) -> dict[str, str]:
    """An admin, a player with a referral code and an empty avatar, a course, a tee time: the
    values that fill each rule's placeholders."""
    make_member("root", admin=True, zip="94103")
    bob = make_member("bob", zip="94103", display_name="Bob")
    course = Course(name="Harding Park", zip="94132", city="San Francisco", state="CA", latitude=37.72,
                    longitude=-122.49, holes=18, website="", contact="", notes="")
    db.session.add(course)
    details = teetimes.RoundDetails(course="Harding Park", day=date.today() + timedelta(days=3), slot=None,
                                    exact=time(9, 30), spots=2, note="", visibility="link")
    round_ = teetimes.post_tee_time(db.session.get(User, bob.id), details)
    db.session.commit()
    code = db.session.query(ReferralCode.code).filter_by(user_id=bob.id).scalar() or "NOPE"
    return {"username": "bob", "course_id": str(course.id), "step": "about", "token": "not-a-token",
            "t_code": round_.code, "r_code": code}


def concrete(rule: str, values: dict[str, str]) -> str:
    if rule.startswith("/t/"):
        return rule.replace("<code>", values["t_code"])
    if rule.startswith("/r/"):
        return rule.replace("<code>", values["r_code"])
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def policy(header: str) -> dict[str, str]:
    directives = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return {name: value for name, value in directives}


def check_page(answer, where: str) -> None:  # type: ignore[no-untyped-def]
    directives = policy(answer.headers["Content-Security-Policy"])
    for name, value in REQUIRED.items():
        assert directives.get(name) == value, (where, name, directives)
    assert "unsafe-inline" not in answer.headers["Content-Security-Policy"]
    features = answer.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in features, (where, feature)
    assert "clipboard-write=(self)" in features
    assert answer.headers["X-Frame-Options"] == "DENY"
    body = answer.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(body), (where, INLINE_SCRIPT.search(body))
    assert not HANDLER.search(body), (where, HANDLER.search(body))
    assert not STYLE_ATTRIBUTE.search(body), (where, STYLE_ATTRIBUTE.search(body))
    assert "javascript:" not in body.lower(), where


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
@pytest.mark.parametrize("rule", page_rules())
def test_every_html_page_carries_the_policies(app, client, rule, signed_in):
    values = world(app)
    if signed_in:
        assert login(client, "root").status_code == 303
    url = concrete(rule, values)
    answer = client.get(url)
    assert answer.status_code < 500, (url, answer.status_code)
    assert "Content-Security-Policy" in answer.headers and "Permissions-Policy" in answer.headers
    if answer.mimetype == "text/html":
        check_page(answer, url)
    if signed_in:
        assert answer.headers["Cache-Control"] == "no-store", (url, answer.status_code)


def test_the_anonymous_landing_page_may_be_cached_but_a_signed_in_one_may_not(app, client):
    make_member("ann")
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, "ann")
    for path in ("/", "/profile", "/messages", "/settings", "/no-such-page"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_public_files_keep_their_caching_for_a_signed_in_player(app, client):
    make_member("ann")
    login(client, "ann")
    answer = client.get("/static/style.css")
    answer.close()
    assert "no-store" not in answer.headers.get("Cache-Control", "")
    assert client.get("/settings").headers["Cache-Control"] == "no-store"


def test_error_pages_and_json_carry_the_policies_too(app, client):
    for path in ("/no-such-page", "/api/referral/resolve?code=X"):
        answer = client.get(path)
        assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["Permissions-Policy"] == PERMISSIONS_POLICY


def test_the_copy_button_may_write_the_clipboard_and_nothing_unused_is_on():
    features = dict(item.strip().split("=", 1) for item in PERMISSIONS_POLICY.split(","))
    assert features.pop("clipboard-write") == "(self)"
    assert set(features.values()) == {"()"}
    assert {"camera", "microphone", "geolocation", "payment", "usb"} <= set(features)


def test_an_answer_whose_session_could_not_be_opened_still_gets_its_headers(app, client, monkeypatch, caplog):
    """Redis down while loading the session: the standalone 503 page, with every header, and no
    error while adding them (the session is None then, not an empty one)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    make_member("ann")
    login(client, "ann")

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(app.session_interface, "open_session", unreachable)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    answer = client.get("/messages")
    assert answer.status_code == 503
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["Permissions-Policy"] == PERMISSIONS_POLICY
    # (Flask-Login's own after-request hook trips over the missing session; ours must not.)
    failures = [logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info]
    assert not [text for text in failures if "app/core/headers.py" in text]

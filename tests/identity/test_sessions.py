"""A visitor gets a server-side session, and a session id, only once something is stored."""

from __future__ import annotations

import sqlalchemy as sa

from app import jobs
from app.core.sessions import ServerSession
from app.extensions import db
from tests.support import login


def stored_sessions(app) -> int:  # type: ignore[no-untyped-def]
    redis = jobs.redis_connection(app)
    if redis is not None:
        return len(redis.keys(app.config["SESSION_KEY_PREFIX"] + "*"))
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ServerSession)) or 0


def test_browsing_anonymously_stores_no_session(app, client):
    for path in ("/", "/leaderboard", "/healthz", "/help", "/r/NOPE-NOPE-42"):
        answer = client.get(path)
        assert answer.status_code in (200, 303), path
        assert not [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("fairway_session=")]
    assert stored_sessions(app) == 0


def test_the_first_thing_stored_makes_one_session(app, client):
    answer = client.get("/waitlist")  # open sign-up: a flash message, then to /register
    assert answer.status_code == 302
    cookie = client.get_cookie("fairway_session")
    assert cookie is not None and len(cookie.value) >= 32
    assert stored_sessions(app) == 1
    assert "no need to wait" in client.get("/register").get_data(as_text=True)
    assert client.get_cookie("fairway_session").value == cookie.value


def test_signing_in_gets_a_fresh_id(app, client, make_user):
    make_user("ann")
    assert client.get_cookie("fairway_session") is None
    client.get("/login")  # the form's CSRF token is the first thing stored
    before = client.get_cookie("fairway_session").value
    assert login(client, "ann").status_code == 303
    assert client.get_cookie("fairway_session").value != before
    assert "Hi, ann" in client.get("/").get_data(as_text=True)
    assert stored_sessions(app) == 1  # the one before signing in is gone

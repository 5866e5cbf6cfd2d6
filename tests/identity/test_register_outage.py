"""A sign-up whose session store fails: after the commit the visitor hears that the account
was made (not "try again", which would find the name taken); before it, nothing is saved and
"try again" is the truth. The store is made to fail here in both modes; the real outage, a
Redis server killed mid-sign-up, is in ``tests/reliability/test_redis_outage.py``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from redis.exceptions import ConnectionError as RedisConnectionError

from app.extensions import db
from app.identity.models import User
from tests.support import PASSWORD, csrf, login, register


@pytest.fixture
def config_overrides():
    # Errors are answered as in production, so the test sees what a visitor sees; limits on, so
    # the limiter's headers are there to be wrong.
    return {"PROPAGATE_EXCEPTIONS": False, "RATELIMIT_ENABLED": True}


def usernames() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(sa.select(User.username)))


def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RedisConnectionError("Error 111 connecting to the session store")


def sign_up_failing_at(app, monkeypatch, client, step: str, username: str, email: str = ""):  # type: ignore[no-untyped-def]
    """Post a sign-up whose session store fails at ``step`` (``save_session``: after the
    commit; ``regenerate``: while signing in, before it). The CSRF token is saved first."""
    token = csrf(client, "/register")
    monkeypatch.setattr(app.session_interface, step, refuse)
    data = {"username": username, "email": email or f"{username}@example.com", "password": PASSWORD,
            "csrf_token": token}
    answer = client.post("/register", data=data)
    monkeypatch.undo()
    return answer


def test_a_saved_sign_up_says_the_account_was_made(app, client, monkeypatch, mailbox, drain):
    answer = sign_up_failing_at(app, monkeypatch, client, "save_session", "alice")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    assert "Your account was made" in page and "Check your inbox" in page
    assert "try again" not in page.lower() and "Hi, alice" not in page
    assert "Retry-After" not in answer.headers
    assert usernames() == {"alice"}
    drain()
    assert len(mailbox.to("alice@example.com")) == 1
    assert login(app.test_client(), "alice").status_code == 303


def test_a_taken_address_gets_the_same_page(app, make_user, monkeypatch):
    make_user("alice")
    answer = sign_up_failing_at(app, monkeypatch, app.test_client(), "save_session", "newname",
                                "alice@example.com")
    assert answer.status_code == 200
    assert "Your account was made" in answer.get_data(as_text=True)
    assert usernames() == {"alice"}


def test_a_sign_up_that_fails_before_its_commit_saves_nothing(app, client, monkeypatch):
    answer = sign_up_failing_at(app, monkeypatch, client, "regenerate", "alice")
    assert answer.status_code == 503 and "try again" in answer.get_data(as_text=True)
    assert usernames() == set()
    assert register(app.test_client(), "alice").status_code == 303

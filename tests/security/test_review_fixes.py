"""Input that once answered 500 or leaked identifiers: odd digits, huge ids, database errors in
logs, a raced email confirmation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity import services as identity
from app.identity import tokens
from app.identity.models import User
from tests.factories import make_member, make_user
from tests.support import login, post


@pytest.mark.parametrize("path", [
    "/players?page=²", "/players/match?page=²", "/?page=²", "/courses?page=²", "/messages?page=²",
    "/messages/bob?before=²", "/notifications?page=²", "/u/bob/followers?page=²",
])
def test_unicode_digits_are_refused_not_a_crash(app, client, path):
    make_member("ann", zip="94103")
    make_member("bob", zip="94103")
    login(client, "ann")
    assert client.get(path).status_code in (200, 422)


@pytest.mark.parametrize("path", ["/courses/99999999999999999999", "/admin/jobs/99999999999999999999/retry",
                                  "/notifications/99999999999999999999/ack"])
def test_ids_beyond_any_database_id_are_not_found(app, client, path):
    make_user("root", admin=True)
    login(client, "root")
    method = "GET" if path.startswith("/courses") else "POST"
    answer = client.get(path) if method == "GET" else post(client, path, token_from="/settings")
    assert answer.status_code == 404


def test_database_errors_in_logs_hide_their_parameters(app):
    assert db.engine.hide_parameters is True


def test_a_confirmation_racing_for_the_same_address_is_a_clear_refusal(app, client, monkeypatch):
    ann = make_user("ann")
    ann.pending_email = "shared@example.com"
    db.session.commit()
    token = tokens.make_token(tokens.VERIFY, ann, ann.pending_email)
    # The address is taken between the check and the write, as by a parallel confirmation.
    monkeypatch.setattr(identity, "user_by_email", lambda email: None)
    make_user("bob", email="shared@example.com")
    answer = client.get(f"/verify/{token}")
    assert answer.status_code < 500
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.email).where(User.username == "ann")) == "ann@example.com"

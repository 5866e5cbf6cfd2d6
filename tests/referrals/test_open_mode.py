"""Open registration: a blank code is fine, a typed code that is not good gets a clear 422."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.referrals import services
from tests.support import register


def test_a_blank_code_is_fine(client):
    assert register(client, "ann", invite_code="").status_code == 303


def test_a_typed_unknown_code_is_refused_clearly(client):
    answer = register(client, "ann", invite_code="WXYZWXYZWX")
    assert answer.status_code == 422
    assert "That invite or referral code isn&#39;t valid." in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_a_valid_invite_is_redeemed_in_open_mode_too(client):
    (invite,) = services.mint_invites(uses=1)
    db.session.commit()
    assert register(client, "ann", invite_code=invite.code).status_code == 303
    db.session.refresh(invite)
    assert invite.uses_left == 0


def test_the_waitlist_is_for_invite_only_mode(client):
    answer = client.get("/waitlist")
    assert answer.status_code == 302 and answer.headers["Location"] == "/register"

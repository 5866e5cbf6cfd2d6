"""Signing up from a round's link: the round is remembered (first click wins), the host becomes
the referrer unless a referral was followed first, and the spot is claimed in the sign-up's
own transaction; verifying the address then holds it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db
from app.identity import services as identity
from app.identity.models import User
from app.referrals.models import Referral
from app.referrals.services import current_code
from app.teetimes.models import HELD, PENDING, Claim
from tests.support import link_in, register
from tests.teetimes.conftest import action, claim_of, claims_of


def referred_by(username: str) -> str | None:
    db.session.expire_all()
    referrer, invitee = so.aliased(User), so.aliased(User)
    return db.session.scalar(
        sa.select(referrer.username)
        .join(Referral, Referral.referrer_id == referrer.id)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(invitee.username == username)
    )


def test_a_visitor_registers_from_the_link_and_gets_the_spot(
    player, round_of, client, mailbox, drain,
):
    tee_time = round_of(player("ann"), spots=2)
    page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Join Fairway and claim a spot" in page
    response = register(client, "newbie")
    assert response.status_code == 303
    claim = claim_of(tee_time, "newbie")
    assert claim is not None and claim.status(utcnow()) == PENDING
    assert referred_by("newbie") == "ann"
    home = client.get("/").get_data(as_text=True)
    assert "You have a spot in ann&#39;s round at Harding Park" in home
    drain()
    (mail,) = mailbox.to("newbie@example.com")
    assert client.get(link_in(mail.body, "verify")).status_code == 302
    assert claim_of(tee_time, "newbie").status(utcnow()) == HELD
    round_page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "newbie" in round_page and "confirmed" in round_page and "You're in." in round_page


def test_the_first_round_opened_wins(player, round_of, client):
    first = round_of(player("ann"), course="Lincoln Park")
    second = round_of(player("bob"), course="Presidio")
    client.get(f"/t/{first.code}")
    client.get(f"/t/{second.code}")
    assert register(client, "newbie").status_code == 303
    assert claim_of(first, "newbie") is not None and claims_of(second) == []
    assert referred_by("newbie") == "ann"


def test_a_referral_followed_first_keeps_the_credit(player, round_of, client):
    tee_time = round_of(player("ann"))
    referrer = player("ref")
    code = current_code(referrer)
    db.session.commit()
    assert client.get(f"/r/{code}").status_code == 303
    client.get(f"/t/{tee_time.code}")
    assert register(client, "newbie").status_code == 303
    assert referred_by("newbie") == "ref"
    assert claim_of(tee_time, "newbie") is not None


def test_a_round_that_filled_meanwhile_still_lets_the_visitor_join_fairway(player, as_user, round_of, client):
    tee_time = round_of(player("ann"), spots=1)
    client.get(f"/t/{tee_time.code}")
    player("bob")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    assert register(client, "newbie").status_code == 303
    assert db.session.scalar(sa.select(User.id).where(User.username == "newbie")) is not None
    assert claim_of(tee_time, "newbie") is None
    assert "This round is full" in client.get("/").get_data(as_text=True)


def test_the_claim_is_part_of_the_sign_up_transaction(player, round_of, client, monkeypatch):
    tee_time = round_of(player("ann"))
    client.get(f"/t/{tee_time.code}")

    def broken(user):
        raise RuntimeError("mail template exploded")

    monkeypatch.setattr(identity, "send_verification", broken)
    response = register(client, "newbie")
    assert response.status_code == 500
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.id).where(User.username == "newbie")) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0


def test_a_followers_round_does_not_claim_for_a_new_account(player, round_of, client):
    tee_time = round_of(player("ann"), visibility="followers")
    client.get(f"/t/{tee_time.code}")
    assert register(client, "newbie").status_code == 303
    assert claims_of(tee_time) == []
    assert referred_by("newbie") == "ann"


@pytest.mark.parametrize("mode", ["invite_only"])
def test_a_round_link_works_as_an_invite_when_sign_up_is_invite_only(player, round_of, client, app, mode):
    app.config["REGISTRATION_MODE"] = mode
    app.config["MEMBER_INVITE_MIN_AGE_DAYS"] = 0  # the host's link admits like any member's
    tee_time = round_of(player("ann"))
    client.get(f"/t/{tee_time.code}")
    assert register(client, "newbie").status_code == 303
    assert referred_by("newbie") == "ann" and claim_of(tee_time, "newbie") is not None

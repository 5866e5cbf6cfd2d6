"""Claiming spots: one POST, one spot per player, a full round says so, holds of unverified
players lapse by the clock and reopen the spot, verification confirms a hold, and the round
closes at tee time (then its players can fist bump each other)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.following.models import FistBump
from app.teetimes.models import HELD, LAPSED, PENDING
from tests.teetimes.conftest import action, claim_of, claims_of


def test_the_round_page_shows_host_time_spots_and_players(player, as_user, round_of, client):
    tee_time = round_of(player("ann"), spots=2)
    player("bob")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    anonymous = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    for text in ("Harding Park", "Wed Jun 12, 9:30 AM PDT", "Hosted by", "ann", "bob", "confirmed",
                 "<strong>1</strong> of 2 spots open", "Walking, bring a push cart.",
                 "Join Fairway and claim a spot"):
        assert text in anonymous, text
    assert "Claim a spot</button>" not in anonymous
    player("cy")
    signed_in = as_user("cy").get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Claim a spot</button>" in signed_in and "Join Fairway and claim" not in signed_in


def test_a_verified_player_claims_a_held_spot_with_one_post(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    client = as_user("bob")
    response = action(client, f"/t/{tee_time.code}/claim")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/t/{tee_time.code}")
    claim = claim_of(tee_time, "bob")
    assert claim is not None and claim.status(utcnow()) == HELD
    page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "You're in." in page and "<strong>2</strong> of 3 spots open" in page


def test_a_player_holds_one_spot_per_round(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    client = as_user("bob")
    assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    again = action(client, f"/t/{tee_time.code}/claim")
    assert again.status_code == 409
    assert "You already have a spot in this round." in again.get_data(as_text=True)
    assert len(claims_of(tee_time)) == 1


def test_a_full_round_refuses_with_a_clear_message(player, as_user, round_of):
    tee_time = round_of(player("ann"), spots=1)
    player("bob"), player("cy")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    client = as_user("cy")
    assert "Every spot is taken" in client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    response = action(client, f"/t/{tee_time.code}/claim")
    assert response.status_code == 409
    assert "This round is full" in response.get_data(as_text=True)
    assert [c.user.username for c in claims_of(tee_time)] == ["bob"]


def test_the_host_cannot_claim_their_own_round(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    response = action(as_user("ann"), f"/t/{tee_time.code}/claim")
    assert response.status_code == 409 and "You host this round" in response.get_data(as_text=True)
    assert claims_of(tee_time) == []


def test_an_anonymous_claim_is_sent_to_sign_in_and_back(player, round_of, client):
    tee_time = round_of(player("ann"))
    response = action(client, f"/t/{tee_time.code}/claim", page="/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/login?next=/t/{tee_time.code}")
    assert claims_of(tee_time) == []


def test_a_claim_needs_a_csrf_token(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    assert as_user("bob").post(f"/t/{tee_time.code}/claim").status_code == 400
    assert claims_of(tee_time) == []


def test_an_unverified_hold_lapses_after_24_hours_and_the_spot_reopens(
    player, as_user, round_of, clock,
):
    tee_time = round_of(player("ann"), days=5, spots=1)
    player("newbie", verified=False), player("cy")
    newbie = as_user("newbie")
    assert action(newbie, f"/t/{tee_time.code}/claim").status_code == 303
    claim = claim_of(tee_time, "newbie")
    assert claim.status(utcnow()) == PENDING and claim.hold_until == claim.claimed_at + timedelta(hours=24)
    page = newbie.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "confirm your email address by" in page and "waiting for email confirmation" in page
    cy = as_user("cy")
    assert action(cy, f"/t/{tee_time.code}/claim").status_code == 409

    clock.shift(timedelta(hours=23, minutes=58))
    assert claim_of(tee_time, "newbie").status(utcnow()) == PENDING
    assert action(cy, f"/t/{tee_time.code}/claim").status_code == 409

    clock.shift(timedelta(minutes=3))
    assert claim_of(tee_time, "newbie").status(utcnow()) == LAPSED
    assert "<strong>1</strong> of 1 spot open" in cy.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert action(cy, f"/t/{tee_time.code}/claim").status_code == 303
    assert claim_of(tee_time, "cy").status(utcnow()) == HELD
    # Verifying late confirms nothing: the lapsed hold stays lapsed.
    newbie_user = claim_of(tee_time, "newbie").user
    newbie_user.email_verified_at = utcnow()
    from app.teetimes import services

    assert services.confirm_holds(newbie_user) == 0
    assert claim_of(tee_time, "newbie").status(utcnow()) == LAPSED


def test_a_hold_lasts_only_until_tee_time_when_that_comes_first(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), days=0, at=None, slot="twilight")  # 16:00 PDT = 23:00 UTC, in 8 h
    player("newbie", verified=False)
    assert action(as_user("newbie"), f"/t/{tee_time.code}/claim").status_code == 303
    claim = claim_of(tee_time, "newbie")
    assert claim.hold_until == tee_time.starts_at
    clock.shift(timedelta(hours=8, minutes=1))
    assert claim_of(tee_time, "newbie").status(utcnow()) == LAPSED


def test_verifying_the_email_confirms_the_hold(player, as_user, round_of, clock, mailbox, drain):
    tee_time = round_of(player("ann"), days=5, spots=1)
    player("newbie", verified=False)
    client = as_user("newbie")
    assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(client, "/verify/resend", page=f"/t/{tee_time.code}").status_code in (302, 303)
    drain()
    (mail,) = mailbox.to("newbie@example.com")
    path = "/verify/" + mail.body.split("/verify/")[1].split()[0]
    clock.shift(timedelta(hours=20))
    assert client.get(path).status_code == 302
    claim = claim_of(tee_time, "newbie")
    assert claim.confirmed_at is not None and claim.status(utcnow()) == HELD
    clock.shift(timedelta(hours=30))
    assert claim_of(tee_time, "newbie").status(utcnow()) == HELD
    assert "You're in." in client.get(f"/t/{tee_time.code}").get_data(as_text=True)


def test_a_lapsed_player_may_claim_again_when_a_spot_is_open(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), days=5, spots=1)
    player("newbie", verified=False)
    client = as_user("newbie")
    assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    clock.shift(timedelta(hours=25))
    claim = claim_of(tee_time, "newbie")
    claim.user.email_verified_at = utcnow()
    db.session.commit()
    assert "Your earlier hold lapsed" in client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    (again,) = claims_of(tee_time)
    assert again.id == claim.id and again.status(utcnow()) == HELD


def test_the_round_closes_at_tee_time(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), days=1, spots=3)
    player("bob"), player("newbie", verified=False), player("late")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("newbie"), f"/t/{tee_time.code}/claim").status_code == 303
    clock.move_to(tee_time.starts_at + timedelta(seconds=1))
    late = as_user("late")
    response = action(late, f"/t/{tee_time.code}/claim")
    assert response.status_code == 409 and "This round has teed off" in response.get_data(as_text=True)
    assert claim_of(tee_time, "late") is None
    # The unconfirmed hold lapsed with the round.
    assert claim_of(tee_time, "newbie").status(utcnow()) == LAPSED
    assert "Fist bump" not in late.get(f"/t/{tee_time.code}").get_data(as_text=True)


def test_after_the_round_host_and_players_fist_bump_each_other(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), days=1, spots=3)
    player("bob"), player("cy"), player("newbie", verified=False)
    for name in ("bob", "cy", "newbie"):
        assert action(as_user(name), f"/t/{tee_time.code}/claim").status_code == 303
    bob = as_user("bob")
    assert "Fist bump" not in bob.get(f"/t/{tee_time.code}").get_data(as_text=True)
    clock.move_to(tee_time.starts_at + timedelta(hours=5))
    page = bob.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "This round has teed off." in page
    assert 'action="/u/ann/fistbump"' in page and 'action="/u/cy/fistbump"' in page
    assert 'action="/u/bob/fistbump"' not in page and 'action="/u/newbie/fistbump"' not in page
    host_page = as_user("ann").get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert 'action="/u/bob/fistbump"' in host_page and 'action="/u/newbie/fistbump"' not in host_page
    assert action(bob, "/u/ann/fistbump", page=f"/t/{tee_time.code}").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FistBump)) == 1
    newbie_page = as_user("newbie").get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Fist bump" not in newbie_page


def test_followers_rounds_show_details_to_followers_and_players_only(player, as_user, round_of, client):
    from app.following import services as following

    host = player("ann")
    tee_time = round_of(host, visibility="followers")
    fan = player("fan")
    player("stranger")
    following.follow(fan, host)
    db.session.commit()
    hidden = client.get(f"/t/{tee_time.code}")
    assert hidden.status_code == 200
    text = hidden.get_data(as_text=True)
    assert "shares this round with their followers only" in text and "Harding Park" not in text
    stranger_client = as_user("stranger")
    assert "Harding Park" not in stranger_client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    refused = action(stranger_client, f"/t/{tee_time.code}/claim")
    assert refused.status_code == 403 and "Only players who follow ann" in refused.get_data(as_text=True)
    fan_client = as_user("fan")
    assert "Harding Park" in fan_client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert action(fan_client, f"/t/{tee_time.code}/claim").status_code == 303
    # A player in the round keeps seeing it after unfollowing.
    following.unfollow(fan, host)
    db.session.commit()
    assert "Harding Park" in fan_client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert claim_of(tee_time, "fan").status(utcnow()) == HELD
    assert claim_of(tee_time, "stranger") is None

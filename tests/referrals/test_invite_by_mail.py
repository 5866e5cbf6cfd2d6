"""Invite a friend by mail: the player's link and note go out through the outbox; a member's
address gets the same answer and no mail; disposable domains and bad input are refused; a
daily limit per player."""

from __future__ import annotations

import html

import pytest

from app.referrals import services
from tests.referrals.conftest import fetch
from tests.support import login, post


@pytest.fixture
def ann(app, make_user):
    make_user("ann")
    client = app.test_client()
    login(client, "ann")
    return client


def invite(client, email: str, note: str = ""):
    return post(client, "/referrals/invite", {"email": email, "note": note}, token_from="/referrals")


def test_the_friend_gets_the_link_and_the_note(ann, mailbox, drain):
    answer = invite(ann, "Friend@Example.org", "Join us for Saturday's round!")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/referrals")
    drain()
    (mail,) = mailbox.to("friend@example.org")
    code = services.current_code(fetch("ann"))
    assert mail.subject == "ann invited you to Fairway"
    assert f"http://fairway.test/r/{code}" in mail.body and "Join us for Saturday's round!" in mail.body


def test_a_members_address_gets_the_same_answer_and_no_mail(ann, make_user, mailbox, drain):
    make_user("bob")
    to_member = invite(ann, "bob@example.com", "hi")
    to_stranger = invite(ann, "new@example.com", "hi")
    assert to_member.status_code == to_stranger.status_code == 303
    assert to_member.headers["Location"] == to_stranger.headers["Location"]
    assert "unless they're on Fairway already" in html.unescape(ann.get("/referrals").get_data(as_text=True))
    invite(ann, "ann@example.com")  # one's own address is a member's too
    drain()
    assert not mailbox.to("bob@example.com") and not mailbox.to("ann@example.com")
    assert len(mailbox.to("new@example.com")) == 1


@pytest.mark.parametrize("config_overrides", [{"DISPOSABLE_EMAIL_CHECK": True}])
def test_disposable_domains_are_refused(ann, mailbox, drain):
    answer = invite(ann, "someone@mailinator.com")
    assert answer.status_code == 422 and "Disposable" in answer.get_data(as_text=True)
    drain()
    assert not mailbox.to("someone@mailinator.com")


@pytest.mark.parametrize("email, note", [("", ""), ("not-an-address", ""), ("a@example.com", "x" * 501),
                                         ("a" * 250 + "@example.com", "")])
def test_bad_input_is_a_422(ann, email, note):
    assert invite(ann, email, note).status_code == 422


def test_an_unverified_player_cannot_mail_invites(app, make_user, mailbox, drain):
    make_user("cat", verified=False)
    client = app.test_client()
    login(client, "cat")
    answer = invite(client, "friend@example.org")
    assert answer.status_code == 422 and "Confirm your email" in answer.get_data(as_text=True)
    drain()
    assert not mailbox.to("friend@example.org")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    answer = post(client, "/referrals/invite", {"email": "a@example.com"}, token_from="/login")
    assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_INVITE_MAIL": "2 per day"}]
)
def test_a_daily_limit_per_player(ann, app, make_user):
    assert invite(ann, "one@example.org").status_code == 303
    assert invite(ann, "two@example.org").status_code == 303
    assert invite(ann, "three@example.org").status_code == 429
    make_user("bob")
    bob = app.test_client()
    login(bob, "bob")
    assert invite(bob, "three@example.org").status_code == 303


def test_the_page_says_what_a_referral_earns_and_offers_a_share_button(ann):
    page = ann.get("/referrals").get_data(as_text=True)
    assert "you earn\n    10 points" in page and 'id="share-referral"' in page and "data-share=" in page

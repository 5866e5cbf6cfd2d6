"""A round's thread: the host and the players holding or awaiting a spot read and write it,
nobody else (404 when they can't see the round, 403 when they can); bad posts are 422; the
others in the round are notified (not when they muted or blocked the author); htmx gets the
thread back in place; a cancelled round's thread is read-only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.safety import services as safety
from app.teetimes.models import MAX_POST, RoundPost
from tests.support import csrf
from tests.teetimes.conftest import action
from tests.teetimes.test_host_actions import notices

HTMX = {"HX-Request": "true"}


def posts(tee_time) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(User.username, RoundPost.body).join(User, User.id == RoundPost.author_id)
        .where(RoundPost.tee_time_id == tee_time.id).order_by(RoundPost.id)
    )]


def write(client, tee_time, body: str, headers: dict | None = None):
    token = csrf(client, f"/t/{tee_time.code}")
    form = {"body": body, "csrf_token": token}
    return client.post(f"/t/{tee_time.code}/thread", data=form, headers=headers)


@pytest.fixture
def foursome(player, as_user, round_of):
    """ann hosts; bob holds a spot, cy (unverified) awaits hers; dan is not in the round."""
    tee_time = round_of(player("ann"), spots=3)
    player("bob"), player("cy", verified=False), player("dan")
    for name in ("bob", "cy"):
        assert action(as_user(name), f"/t/{tee_time.code}/claim").status_code == 303
    return tee_time


def test_players_write_and_read_the_thread_newest_at_the_bottom(foursome, as_user):
    code = foursome.code
    bob = as_user("bob")
    response = write(bob, foursome, "  I'll bring the push carts. Map: https://example.com/course  ")
    assert response.status_code == 303 and response.headers["Location"] == f"/t/{code}#thread"
    assert write(as_user("cy"), foursome, "Great, see you there").status_code == 303
    assert write(as_user("ann"), foursome, "Tee off at 9:30 sharp").status_code == 303
    assert posts(foursome) == [
        ("bob", "I'll bring the push carts. Map: https://example.com/course"),
        ("cy", "Great, see you there"), ("ann", "Tee off at 9:30 sharp"),
    ]
    page = bob.get(f"/t/{code}").get_data(as_text=True)
    thread = page.split('id="thread"')[1]
    assert thread.index("push carts") < thread.index("see you there") < thread.index("9:30 sharp")
    assert '<a href="https://example.com/course" rel="nofollow noopener ugc">' in thread
    assert f'action="/t/{code}/thread"' in thread


def test_everyone_else_in_the_round_is_notified_once_per_unread_thread(foursome, as_user):
    code = foursome.code
    assert write(as_user("bob"), foursome, "First!").status_code == 303
    assert write(as_user("bob"), foursome, "Second").status_code == 303
    assert notices("bob") == []
    for name in ("ann", "cy"):
        thread_notices = [n for n in notices(name) if n[0] == "round_thread"]
        assert thread_notices == [("round_thread", "bob", f"thread:{code}")]
    listing = as_user("ann").get("/notifications").get_data(as_text=True)
    assert "2 new posts, latest by bob," in listing and f'href="/t/{code}#thread"' in listing
    assert notices("dan") == []


def test_a_muted_or_blocked_author_notifies_nobody_who_silenced_them(foursome, as_user):
    ann, bob, cy = (
        db.session.scalar(sa.select(User).where(User.username == name)) for name in ("ann", "bob", "cy")
    )
    safety.mute(ann, bob)
    safety.block(cy, bob)
    db.session.commit()
    assert write(as_user("bob"), foursome, "Anyone need a ride?").status_code == 303
    assert [n for n in notices("ann") + notices("cy") if n[0] == "round_thread"] == []
    # The blocker doesn't see the blocked player's posts either.
    assert "Anyone need a ride?" not in as_user("cy").get(f"/t/{foursome.code}").get_data(as_text=True)
    assert "Anyone need a ride?" in as_user("ann").get(f"/t/{foursome.code}").get_data(as_text=True)


def test_in_place_with_htmx_the_thread_comes_back_alone(foursome, as_user):
    bob = as_user("bob")
    response = write(bob, foursome, "Carts are booked", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section class="round-thread" id="thread">')
    assert "Carts are booked" in body and "<html" not in body
    assert 'name="body"' in body and 'name="csrf_token"' in body
    bad = write(bob, foursome, " ", headers=HTMX)
    assert bad.status_code == 422 and "Write something first." in bad.get_data(as_text=True)
    assert "<html" not in bad.get_data(as_text=True)


@pytest.mark.parametrize("body, message", [
    ("", "Write something first."), ("   ", "Write something first."),
    ("x" * (MAX_POST + 1), f"A post is 1 to {MAX_POST} characters."),
])
def test_a_bad_post_is_a_422_with_its_message(foursome, as_user, body, message):
    response = write(as_user("bob"), foursome, body)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert posts(foursome) == []


def test_a_post_of_exactly_the_limit_is_kept(foursome, as_user):
    assert write(as_user("bob"), foursome, "y" * MAX_POST).status_code == 303
    assert posts(foursome) == [("bob", "y" * MAX_POST)]


def test_nobody_outside_the_round_reads_or_writes_it(foursome, as_user, app):
    code = foursome.code
    assert write(as_user("bob"), foursome, "Players only").status_code == 303
    dan = as_user("dan")
    page = dan.get(f"/t/{code}").get_data(as_text=True)
    assert "Players only" not in page and 'id="thread"' not in page
    assert write(dan, foursome, "Let me in").status_code == 403
    assert write(dan, foursome, "").status_code == 403  # refused before the body is read
    # Signed out: the login page; an unknown round: 404.
    anonymous = app.test_client()
    assert "Players only" not in anonymous.get(f"/t/{code}").get_data(as_text=True)
    response = anonymous.post(f"/t/{code}/thread", data={"body": "hi"})
    assert response.status_code in (302, 400)
    assert write(dan, foursome, "hi").status_code == 403
    assert action(dan, "/t/NOSUCH99/thread", {"body": "hi"}, page=f"/t/{code}").status_code == 404
    assert posts(foursome) == [("bob", "Players only")]


def test_a_player_who_gave_up_or_was_removed_is_out_of_the_thread(foursome, as_user):
    assert action(as_user("bob"), f"/t/{foursome.code}/leave").status_code == 303
    assert write(as_user("bob"), foursome, "Still here?").status_code == 403
    assert action(as_user("ann"), f"/t/{foursome.code}/remove/cy").status_code == 303
    assert write(as_user("cy"), foursome, "Me?").status_code == 403
    assert posts(foursome) == []


def test_a_followers_round_answers_404_to_a_stranger(player, as_user, round_of):
    tee_time = round_of(player("ann"), visibility="followers")
    player("eve")
    assert write(as_user("eve"), tee_time, "hello").status_code == 404


def test_a_cancelled_rounds_thread_is_read_only(foursome, as_user):
    assert write(as_user("bob"), foursome, "See you Wednesday").status_code == 303
    assert action(as_user("ann"), f"/t/{foursome.code}/cancel").status_code == 303
    bob = as_user("bob")
    refused = write(bob, foursome, "Oh no")
    assert refused.status_code == 409 and "read-only" in refused.get_data(as_text=True)
    page = bob.get(f"/t/{foursome.code}").get_data(as_text=True)
    assert "See you Wednesday" in page and "its chat is read-only" in page
    assert f'action="/t/{foursome.code}/thread"' not in page


LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_MESSAGE": "2 per minute"}


@pytest.mark.parametrize("config_overrides", [LIMITED])
def test_posting_counts_against_the_message_limit(foursome, as_user):
    bob = as_user("bob")
    assert write(bob, foursome, "one").status_code == 303
    assert write(bob, foursome, "two").status_code == 303
    assert write(bob, foursome, "three").status_code == 429
    assert posts(foursome) == [("bob", "one"), ("bob", "two")]


def test_the_round_link_has_copy_share_and_qr_for_those_in_it(foursome, as_user):
    code = foursome.code
    for name in ("ann", "bob"):
        page = as_user(name).get(f"/t/{code}").get_data(as_text=True)
        assert f'data-copy="http://fairway.test/t/{code}"' in page
        assert f'id="share-round" data-share="http://fairway.test/t/{code}"' in page
        assert 'alt="QR code for this round&#39;s link"' in page and 'src="data:image/svg+xml' in page
    assert 'id="share-round"' not in as_user("dan").get(f"/t/{code}").get_data(as_text=True)

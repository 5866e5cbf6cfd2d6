"""``/tee-times``: my upcoming rounds (hosting and joined) and open rounds near me (from players
I follow, or link rounds within my radius), soonest first; the nav link; the match page's
"invite to your tee time"."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.following import services as following
from app.messaging.models import Message
from app.profiles.models import AvailabilitySlot
from tests.teetimes.conftest import TODAY, action


def courses(html: str, heading: str) -> list[str]:
    section = html.split(heading, 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="/t/[A-Z0-9]+"><strong>([^<]+)</strong>', section)


def test_the_list_needs_an_account_and_has_a_nav_link(client, player, as_user):
    assert client.get("/tee-times").headers["Location"].endswith("/login?next=/tee-times")
    player("ann")
    page = as_user("ann").get("/tee-times").get_data(as_text=True)
    assert re.search(r'<a href="/tee-times"[^>]*>Tee times</a>', page)
    assert "No rounds coming up" in page and "No open rounds" in page


def test_my_upcoming_rounds_hosting_and_joined_soonest_first(player, as_user, round_of, clock):
    me, other = player("ann"), player("bob")
    round_of(me, days=4, course="Hosting later")
    round_of(me, days=1, course="Hosting soon")
    joined = round_of(other, days=2, course="Joined")
    past = round_of(other, days=0, at=None, slot="twilight", course="Joined past")
    cancelled = round_of(me, days=3, course="Cancelled one")
    client = as_user("ann")
    for tee_time in (joined, past):
        assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(client, f"/t/{cancelled.code}/cancel").status_code == 303
    clock.shift(timedelta(hours=9))  # the twilight round teed off
    page = client.get("/tee-times").get_data(as_text=True)
    assert courses(page, "My upcoming rounds") == ["Hosting soon", "Joined", "Hosting later"]
    assert "You host" in page and "You&#39;re in" not in page and "You're in" in page


def test_open_rounds_near_me_from_follows_and_within_my_radius(player, as_user, round_of):
    me = player("ann", zip="94103", radius_miles=30)
    near = player("near", zip="94110")          # about 2 miles
    far = player("far", zip="10001")            # New York
    friend = player("friend", zip="10001")
    round_of(near, days=3, course="Near link round")
    round_of(near, days=1, course="Near followers round", visibility="followers")
    round_of(far, days=2, course="Far link round")
    round_of(friend, days=2, at=None, slot="morning", course="Friend far round", visibility="followers")
    full = round_of(near, days=2, spots=1, course="Near full round")
    round_of(me, days=2, course="My own round")
    following.follow(me, friend)
    db.session.commit()
    player("taker", zip="94110")
    assert action(as_user("taker"), f"/t/{full.code}/claim").status_code == 303
    page = as_user("ann").get("/tee-times").get_data(as_text=True)
    assert courses(page, "Open rounds near you") == ["Friend far round", "Near link round"]
    assert "mi away" in page and "Hosted by" in page


def test_a_round_i_joined_leaves_the_open_list_for_my_list(player, as_user, round_of):
    player("ann", zip="94103")
    tee_time = round_of(player("near", zip="94110"), course="Near link round")
    client = as_user("ann")
    page = client.get("/tee-times").get_data(as_text=True)
    assert courses(page, "Open rounds near you") == ["Near link round"]
    assert action(client, f"/t/{tee_time.code}/claim").status_code == 303
    page = client.get("/tee-times").get_data(as_text=True)
    assert courses(page, "Open rounds near you") == []
    assert courses(page, "My upcoming rounds") == ["Near link round"]


def free(user, *slots: tuple[int, str]) -> None:
    for offset, slot in slots:
        db.session.add(AvailabilitySlot(user_id=user.id, day=TODAY + timedelta(days=offset), slot=slot))
    db.session.commit()


def test_the_match_page_offers_to_invite_matches_to_my_round(player, as_user, round_of):
    me, mate = player("ann", zip="94103"), player("mate", zip="94110")
    free(me, (2, "morning")), free(mate, (2, "morning"))
    client = as_user("ann")
    page = client.get("/players/match").get_data(as_text=True)
    assert "mate" in page and "Invite mate to your tee time" not in page
    tee_time = round_of(me, days=2, spots=2)
    page = client.get("/players/match").get_data(as_text=True)
    assert "Invite mate to your tee time" in page and f"http://fairway.test/t/{tee_time.code}" in page
    response = action(client, f"/t/{tee_time.code}/invite/mate", page="/players/match")
    assert response.status_code == 303 and response.headers["Location"].endswith("/players/match")
    db.session.expire_all()
    (message,) = db.session.scalars(sa.select(Message)).all()
    assert f"http://fairway.test/t/{tee_time.code}" in message.body and "2 open spots" in message.body
    assert "Harding Park" in as_user("mate").get("/messages/ann").get_data(as_text=True)


def test_only_the_host_invites_to_a_round(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob"), player("cy")
    refused = action(as_user("bob"), f"/t/{tee_time.code}/invite/cy")
    assert refused.status_code == 403
    assert action(as_user("ann"), f"/t/{tee_time.code}/invite/nobody").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0

"""The timeline at ``/`` for a signed-in player: the cards, their one action, their order,
pages, and a number of queries that does not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.following import services as following
from app.following.models import Follow
from app.home import services as home
from app.home.models import STEPS
from app.messaging import services as messaging
from app.profiles import services as profiles
from app.referrals import services as referrals
from app.teetimes import services as teetimes
from tests.conftest import TEST_REDIS_URL
from tests.home.cards import cards, kinds
from tests.home.conftest import counting_statements, user
from tests.support import post

SF, OAKLAND, NEW_YORK = "94103", "94607", "10001"


def done_onboarding(*usernames: str) -> None:
    for name in usernames:
        for step in STEPS:
            home.record_step(user(name), step, "skipped")
    db.session.commit()


def free(username: str, days_ahead: int = 1, slot: str = "morning") -> None:
    profiles.mark_slot(user(username), profiles.today(user(username)) + timedelta(days=days_ahead), slot)
    db.session.commit()


def follows(follower: str, followed: str) -> None:
    following.follow(user(follower), user(followed))
    db.session.commit()


def home_page(client, page: int | None = None) -> str:
    response = client.get("/" if page is None else f"/?page={page}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_empty_calendar_gets_the_set_your_availability_card(player, as_user):
    player("ann", zip=SF)
    done_onboarding("ann")
    client = as_user("ann")
    [card] = [c for c in cards(home_page(client)) if c.kind == "availability"]
    assert card.title == f"Set your availability for the next {profiles.WINDOW_DAYS} days"
    assert card.actions == [("get", "/availability")]
    free("ann")
    assert "availability" not in kinds(home_page(client))


def test_an_unconfirmed_address_gets_a_one_click_resend(player, as_user, mailbox, drain):
    player("ann", verified=False)
    done_onboarding("ann")
    client = as_user("ann")
    page = home_page(client)
    [card] = [c for c in cards(page) if c.kind == "verify"]
    assert card.actions == [("post", "/verify/resend")]
    assert 'name="csrf_token"' in card.body
    assert post(client, "/verify/resend", token_from="/").status_code == 303
    drain()
    assert mailbox.to("ann@example.com")


def test_unread_messages_get_a_card_each_newest_first_until_read(player, as_user):
    player("ann"), player("bob"), player("cat")
    done_onboarding("ann")
    messaging.send_message(user("bob"), user("ann"), "Nine holes Saturday?")
    messaging.send_message(user("bob"), user("ann"), "Or eighteen")
    db.session.commit()
    messaging.send_message(user("cat"), user("ann"), "Hi from cat")
    db.session.commit()
    client = as_user("ann")
    found = [c for c in cards(home_page(client)) if c.kind == "messages"]
    assert [c.title for c in found] == ["1 unread message from cat", "2 unread messages from bob"]
    assert found[1].actions == [("get", "/messages/bob")]
    assert "Or eighteen" in found[1].body
    client.get("/messages/bob")
    left = [c.title for c in cards(home_page(client)) if c.kind == "messages"]
    assert left == ["1 unread message from cat"]


def test_people_you_follow_who_are_free_when_you_are(player, as_user):
    player("ann", zip=SF), player("bob", zip=SF, display_name="Bob Ray"), player("cat", zip=SF)
    player("dan", zip=SF)
    done_onboarding("ann")
    follows("ann", "bob"), follows("ann", "dan")
    free("ann", 2, "twilight"), free("bob", 2, "morning"), free("cat", 2, "twilight")
    free("dan", 3, "twilight")  # followed, but free on another day
    client = as_user("ann")
    found = [c for c in cards(home_page(client)) if c.kind == "free"]
    assert [c.title for c in found] == ["Bob Ray is free on days you are"]
    assert found[0].actions == [("get", "/messages/bob")]
    day = profiles.today(user("ann")) + timedelta(days=2)
    assert f"{day.strftime('%a %b')} {day.day} morning" in found[0].body
    assert "free on 1 of the same days" in found[0].body


def test_new_players_near_you_with_similar_traits(player, as_user):
    recent = utcnow() - timedelta(days=3)
    player("ann", zip=SF, handicap=12.0, mobility=2)
    player("bob", zip=OAKLAND, handicap=30.0, mobility=2, joined=recent)   # walks, like ann
    player("cat", zip=SF, handicap=11.0, joined=recent)                     # close handicap
    player("dan", zip=NEW_YORK, handicap=12.0, mobility=2, joined=recent)   # too far
    player("eve", zip=SF, handicap=12.0, mobility=2, joined=utcnow() - timedelta(days=90))  # not new
    player("fay", zip=SF, handicap=40.0, mobility=1, joined=recent)         # nothing in common
    done_onboarding("ann")
    free("ann")
    page = home_page(as_user("ann"))
    newcomers = {c.title: c for c in cards(page) if c.kind == "newcomer"}
    assert set(newcomers) == {"bob just joined near you", "cat just joined near you"}
    assert "Walks" in newcomers["bob just joined near you"].body
    assert "Handicap 11.0, close to yours" in newcomers["cat just joined near you"].body
    assert newcomers["cat just joined near you"].actions == [("post", "/u/cat/follow?next=/")]
    assert "dan" not in page.split('<ol class="timeline">')[1]


def test_following_from_a_card_is_one_post_and_back_to_the_timeline(player, as_user):
    player("ann", zip=SF, handicap=12.0)
    player("bob", zip=SF, handicap=12.0, joined=utcnow() - timedelta(days=1))
    done_onboarding("ann")
    client = as_user("ann")
    assert client.post("/u/bob/follow?next=/").status_code == 400
    response = post(client, "/u/bob/follow?next=/", token_from="/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 1
    page = client.get("/").get_data(as_text=True)
    assert "You follow bob now." in page
    assert not [c for c in cards(page) if "/u/bob/follow?next=/" in c.forms]
    assert post(client, "/u/nobody/follow?next=/", token_from="/").status_code == 404
    assert post(client, "/u/ann/follow?next=/", token_from="/").status_code == 422


def test_referral_progress_with_the_share_link(player, as_user, app):
    player("ann")
    done_onboarding("ann")
    ann = user("ann")
    code = referrals.current_code(ann)
    invitee = player("bob").user_id
    referrals.record_referral(ann.id, db.session.get(type(ann), invitee), None)
    referrals.award_points(ann.id, "referral_verified", "user:bob", 10)
    db.session.commit()
    [card] = [c for c in cards(home_page(as_user("ann"))) if c.kind == "referrals"]
    assert "1 sign-up (1 confirmed) · 10 points" in card.body
    assert f'value="http://fairway.test/r/{code}"' in card.body
    assert card.actions == [("get", "/referrals")]


def big_world(player, size: int) -> None:
    """Ann, and ``size`` players of every kind the timeline shows."""
    recent = utcnow() - timedelta(days=2)
    player("ann", zip=SF, handicap=12.0, mobility=2, verified=False)
    free("ann", 1)
    for n in range(size):
        player(f"pal{n}", zip=SF, handicap=12.0)
        follows("ann", f"pal{n}")
        free(f"pal{n}", 1)
        player(f"new{n}", zip=SF, handicap=13.0, mobility=2, joined=recent)
        player(f"near{n}", zip=OAKLAND, handicap=20.0)
        messaging.send_message(user(f"near{n}"), user("ann"), f"hello {n}")
        db.session.commit()
    done_onboarding("ann")


def test_every_card_has_exactly_one_action(player, as_user):
    big_world(player, 3)
    client = as_user("ann")
    seen = set()
    for page in (1, 2):
        for card in cards(home_page(client, page)):
            seen.add(card.kind)
            assert len(card.actions) == 1, (card.kind, card.actions)
            if card.forms:
                assert 'name="csrf_token"' in card.body
        ids = re.findall(r' id="([^"]+)"', home_page(client, page))
        assert len(ids) == len(set(ids)), "an id is used twice"
    assert seen == {"verify", "messages", "free", "newcomer", "suggestion", "referrals"}


def test_most_useful_first_and_pages(player, as_user):
    big_world(player, 12)
    client = as_user("ann")
    first, second = home_page(client, 1), home_page(client, 2)
    assert len(cards(first)) == home.PER_PAGE
    every = []
    page = 1
    while True:
        found = cards(home_page(client, page))
        if not found:
            break
        every += found
        page += 1
    order = ["verify", "messages", "free", "newcomer", "suggestion", "referrals"]
    kinds_in_order = [card.kind for card in every]
    assert kinds_in_order == sorted(kinds_in_order, key=order.index)
    assert kinds_in_order[0] == "verify" and kinds_in_order[-1] == "referrals"
    messages = [card.title for card in every if card.kind == "messages"]
    assert messages[0] == "1 unread message from near11"  # the newest conversation first
    assert cards(first)[0].title != cards(second)[0].title
    assert 'href="/?page=2"' in first
    assert "all caught up" in home_page(client, page)


@pytest.mark.parametrize("bad", ["0", "abc", "-1", "99999999", "1.5"])
def test_a_bad_page_number_is_a_422(player, as_user, bad):
    player("ann")
    assert as_user("ann").get(f"/?page={bad}").status_code == 422


#: What a signed-in home page costs whatever the data size. Services mode (PostgreSQL, sessions
#: in Redis) against embedded (SQLite, sessions in the database: one more), and PostgreSQL finds
#: the newcomers and the suggestions in one statement where SQLite reads the box twice.
HOME_PAGE_STATEMENTS = 14 if TEST_REDIS_URL else 16  # the round cards' one query included


def test_the_number_of_queries_does_not_grow_with_the_data(player, as_user, app):
    big_world(player, 2)
    client = as_user("ann")
    home_page(client)  # the first view mints the referral code
    with counting_statements() as small:
        home_page(client)

    # Twenty times more of everything the timeline reads, and rounds: ann's own, rounds near
    # her on the day she is free, with players in them.
    recent = utcnow() - timedelta(days=2)
    for n in range(2, 40):
        player(f"pal{n}", zip=SF, handicap=12.0)
        follows("ann", f"pal{n}")
        free(f"pal{n}", 1)
        player(f"new{n}", zip=SF, handicap=13.0, mobility=2, joined=recent)
        player(f"near{n}", zip=OAKLAND, handicap=20.0)
        messaging.send_message(user(f"near{n}"), user("ann"), f"hello {n}")
        db.session.commit()
        tee_time = teetimes.post_tee_time(user(f"near{n}" if n % 4 else "ann"), teetimes.RoundDetails(
            course=f"Course {n}", day=profiles.today(user("ann")) + timedelta(days=1),
            slot="morning", exact=None,
            spots=3, note="", visibility="link",
        ))
        teetimes.claim_spot(user(f"pal{n}"), tee_time.id)
        db.session.commit()
    with counting_statements() as large:
        page = home_page(client)
    with counting_statements() as later:
        home_page(client, 3)
    assert len(cards(page)) == home.PER_PAGE
    assert len(large) == len(small) == len(later), (len(small), len(large), len(later))
    assert len(large) == HOME_PAGE_STATEMENTS  # the figure the README gives

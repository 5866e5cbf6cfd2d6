"""The home page's round cards: "your next round" (time, course, players, the calendar link)
for a player who hosts or holds a spot in an upcoming round; and rounds near the player with
an open spot on a day and part of day they marked free (never their own, never a blocked
player's, never a full one)."""

from __future__ import annotations

from datetime import time, timedelta

from app.extensions import db
from app.profiles import services as profiles
from app.safety import services as safety
from app.teetimes import services as teetimes
from app.teetimes.models import TeeTime
from tests.home.cards import cards
from tests.home.conftest import user
from tests.home.test_timeline import NEW_YORK, OAKLAND, SF, done_onboarding, follows, free, home_page


def post_round(host: str, days: int = 2, slot: str | None = "morning", spots: int = 3,
               visibility: str = "link", course: str = "Harding Park", at: time | None = None) -> TeeTime:
    tee_time = teetimes.post_tee_time(user(host), teetimes.RoundDetails(
        course=course, day=profiles.today(user(host)) + timedelta(days=days),
        slot=None if at else slot, exact=at,
        spots=spots, note="", visibility=visibility,
    ))
    db.session.commit()
    return tee_time


def claim(username: str, tee_time: TeeTime) -> None:
    teetimes.claim_spot(user(username), tee_time.id)
    db.session.commit()


def test_the_host_and_the_players_see_their_next_round(player, as_user):
    player("ann", zip=SF), player("bob", zip=SF), player("cy", zip=SF)
    done_onboarding("ann", "bob")
    later = post_round("ann", days=5, course="Lincoln Park")
    soon = post_round("ann", days=3, course="Harding Park")
    claim("bob", soon), claim("cy", soon), claim("bob", later)
    [card] = [c for c in cards(home_page(as_user("ann"))) if c.kind == "nextround"]
    assert card.title == "Your next round: Harding Park"
    assert "You&#39;re hosting · 2 players with you" in card.body and teetimes.when_text(soon) in card.body
    assert '<span class="pill">bob</span>' in card.body and '<span class="pill">cy</span>' in card.body
    assert card.actions == [("get", f"/t/{soon.code}/calendar.ics")]
    [card] = [c for c in cards(home_page(as_user("bob"))) if c.kind == "nextround"]
    assert card.title == "Your next round: Harding Park" and "Hosted by ann · 2 players with you" in card.body
    assert '<span class="pill">ann</span>' in card.body and '<span class="pill">bob</span>' not in card.body
    # The calendar link works for them.
    assert as_user("bob").get(f"/t/{soon.code}/calendar.ics").status_code == 200


def test_no_next_round_card_without_an_upcoming_round(player, as_user):
    player("ann", zip=SF), player("bob", zip=SF)
    done_onboarding("ann", "bob")
    tee_time = post_round("ann", days=3)
    claim("bob", tee_time)
    teetimes.leave_round(user("bob"), tee_time.id)
    db.session.commit()
    assert "nextround" not in [c.kind for c in cards(home_page(as_user("bob")))]
    teetimes.cancel_round(user("ann"), tee_time.id)
    db.session.commit()
    assert "nextround" not in [c.kind for c in cards(home_page(as_user("ann")))]


def test_rounds_near_you_when_you_are_free(player, as_user):
    player("ann", zip=SF)
    for name, zip in (("bob", OAKLAND), ("cy", SF), ("dan", NEW_YORK), ("eve", SF), ("fay", SF),
                      ("gus", SF), ("hal", SF), ("ivy", SF)):
        player(name, zip=zip)
    done_onboarding("ann")
    free("ann", 2, "morning"), free("ann", 4, "twilight")
    fits = post_round("bob", days=2, slot="morning", spots=2)
    exact = post_round("cy", days=4, at=time(17, 30), course="Lincoln Park")  # twilight by the clock
    post_round("cy", days=2, slot="midday", course="Presidio")        # ann isn't free then
    post_round("dan", days=2, slot="morning", course="Bethpage")      # far away
    post_round("eve", days=2, slot="morning", course="Sharp Park")    # eve blocked ann
    full = post_round("fay", days=2, slot="morning", spots=1, course="Full Course")
    claim("gus", full)
    post_round("hal", days=2, slot="morning", visibility="followers", course="Followers Only")
    post_round("ann", days=2, slot="morning", course="My Own")        # ann's own: the next-round card
    safety.block(user("eve"), user("ann"))
    db.session.commit()
    claim("ivy", fits)
    client = as_user("ann")
    found = [c for c in cards(home_page(client)) if c.kind == "roundnear"]
    assert [c.title for c in found] == [
        "A round near you at Harding Park", "A round near you at Lincoln Park",
    ]
    assert found[0].actions == [("get", f"/t/{fits.code}")]
    assert found[1].actions == [("get", f"/t/{exact.code}")]
    assert "hosted by bob" in found[0].body and "mi away" in found[0].body
    assert '<span class="pill">1 open spot</span>' in found[0].body
    # Following hal opens his followers round to ann; joining a round takes it off the list.
    follows("ann", "hal")
    titles = [c.title for c in cards(home_page(client)) if c.kind == "roundnear"]
    assert "A round near you at Followers Only" in titles
    claim("ann", fits)
    titles = [c.title for c in cards(home_page(client)) if c.kind == "roundnear"]
    assert "A round near you at Harding Park" not in titles
    # ann blocking someone hides their rounds too.
    safety.block(user("ann"), user("hal"))
    db.session.commit()
    titles = [c.title for c in cards(home_page(client)) if c.kind == "roundnear"]
    assert "A round near you at Followers Only" not in titles


def test_no_round_cards_without_a_home_zip(player, as_user):
    player("ann"), player("bob", zip=SF)
    done_onboarding("ann")
    free("ann", 2, "morning")
    post_round("bob", days=2)
    assert "roundnear" not in [c.kind for c in cards(home_page(as_user("ann")))]

"""A round's calendar file (its host and players only, on the course's clock) and the host's
notices when a spot is claimed or given up."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.clock import utcnow
from app.teetimes.models import LAPSED
from tests.teetimes.conftest import action, claim_of
from tests.teetimes.test_host_actions import notices


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def test_the_host_and_players_get_an_ics_in_the_courses_zone(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    bob = as_user("bob")
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    for client in (as_user("ann"), bob):
        page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
        assert f'href="/t/{tee_time.code}/calendar.ics"' in page and "Add to calendar" in page
        response = client.get(f"/t/{tee_time.code}/calendar.ics")
        assert response.status_code == 200
        assert response.mimetype == "text/calendar"
        calendar = parse(response.data)
        (event,) = calendar.walk("VEVENT")
        start = event.decoded("dtstart")
        # 9:30 on the course's clock (ann's zip 94103: San Francisco), not UTC.
        assert start == datetime(2030, 6, 12, 9, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
        assert str(start.tzinfo) == "America/Los_Angeles"
        assert b"DTSTART;TZID=America/Los_Angeles:20300612T093000" in response.data
        assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]
        assert event.decoded("dtend") - start == timedelta(hours=4, minutes=30)
        assert str(event["summary"]) == "Golf at Harding Park"
        assert f"/t/{tee_time.code}" in str(event["url"])


@pytest.mark.parametrize("who", [None, "cy", "bob"])
def test_anyone_not_in_the_round_gets_404(player, as_user, round_of, client, who):
    tee_time = round_of(player("ann"))
    player("bob"), player("cy")
    bob = as_user("bob")
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(bob, f"/t/{tee_time.code}/leave").status_code == 303
    viewer = client if who is None else as_user(who)
    assert viewer.get(f"/t/{tee_time.code}/calendar.ics").status_code == 404
    assert "Add to calendar" not in viewer.get(f"/t/{tee_time.code}").get_data(as_text=True)


def test_an_unknown_round_has_no_calendar(as_user, player):
    player("ann")
    assert as_user("ann").get("/t/NOSUCH99/calendar.ics").status_code == 404


def test_the_host_is_notified_when_a_spot_is_claimed_and_given_up(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob"), player("cy", verified=False)
    bob, cy = as_user("bob"), as_user("cy")
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(cy, f"/t/{tee_time.code}/claim").status_code == 303
    # Two claims on one round gather in one unread entry, naming the latest claimant.
    assert notices("ann") == [("round_claimed", "cy", f"claimed:{tee_time.code}")]
    listing = as_user("ann").get("/notifications").get_data(as_text=True)
    assert "2 players, latest cy," in listing and f'href="/t/{tee_time.code}"' in listing
    assert action(bob, f"/t/{tee_time.code}/leave").status_code == 303
    assert claim_of(tee_time, "bob").status(utcnow()) == LAPSED
    assert ("round_freed", "bob", f"freed:{tee_time.code}") in notices("ann")
    assert "bob\n      gave up a spot" in as_user("ann").get("/notifications").get_data(as_text=True)
    # The spot is open again, for the leaver too.
    assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303


def test_leaving_a_round_one_is_not_in_is_refused(player, as_user, round_of):
    tee_time = round_of(player("ann"))
    player("bob")
    assert action(as_user("bob"), f"/t/{tee_time.code}/leave").status_code == 404
    assert action(as_user("ann"), f"/t/{tee_time.code}/leave").status_code == 404
    assert notices("ann") == []

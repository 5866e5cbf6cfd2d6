"""Rounds read on the course's clock, with the viewer's own clock beside it when theirs differs,
in pages and in mail (the recipient's zone)."""

from __future__ import annotations

from datetime import time

from app.core.zones import zone_named
from app.teetimes.rounds import when_text
from tests.teetimes.conftest import action

NEW_YORK, SAN_FRANCISCO = "10001", "94103"


def test_a_round_in_new_york_shows_a_san_francisco_player_their_own_time(player, as_user, round_of):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0))
    player("sf_player", zip=SAN_FRANCISCO)
    page = as_user("sf_player").get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Wed Jun 12, 8:00 AM EDT · 5:00 AM your time" in page


def test_a_round_in_the_viewers_own_zone_shows_one_time(player, as_user, round_of):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0))
    page = as_user("nyc_host").get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Wed Jun 12, 8:00 AM EDT" in page and "your time" not in page


def test_a_visitor_sees_the_courses_time_alone(player, round_of, client):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0), visibility="link")
    page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Wed Jun 12, 8:00 AM EDT" in page and "your time" not in page


def test_a_chosen_zone_beats_the_home_zip_and_the_day_shows_when_it_differs(player, round_of, app):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0))
    tokyo = zone_named("Asia/Tokyo")
    assert when_text(tee_time, tokyo) == "Wed Jun 12, 8:00 AM EDT · 9:00 PM your time"
    late = round_of(player("sf_host", zip=SAN_FRANCISCO), at=time(18, 0))
    # 18:00 in San Francisco is already the next morning in Tokyo.
    assert when_text(late, tokyo) == "Wed Jun 12, 6:00 PM PDT · Thu Jun 13, 10:00 AM your time"
    assert when_text(late, tokyo, yours=False) == "Wed Jun 12, 6:00 PM PDT"


def test_a_slot_round_shows_both_clocks(player, round_of, app):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), slot="morning")
    assert when_text(tee_time, zone_named("America/Los_Angeles")) == (
        "Wed Jun 12, morning (from 6:00 AM EDT · 3:00 AM your time)"
    )


def test_cancellation_mail_shows_the_recipients_time(player, as_user, round_of, mailbox, drain):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0))
    player("sf_player", zip=SAN_FRANCISCO)
    player("nyc_player", zip=NEW_YORK)
    for name in ("sf_player", "nyc_player"):
        assert action(as_user(name), f"/t/{tee_time.code}/claim").status_code == 303
    host = as_user("nyc_host")
    assert action(host, f"/t/{tee_time.code}/cancel").status_code == 303
    drain()
    (far,) = mailbox.to("sf_player@example.com")
    assert "on Wed Jun 12, 8:00 AM EDT · 5:00 AM your time." in far.body
    (near,) = mailbox.to("nyc_player@example.com")
    assert "on Wed Jun 12, 8:00 AM EDT." in near.body and "your time" not in near.body


def test_a_message_inviting_to_a_round_does_not_speak_for_the_reader(player, as_user, round_of):
    tee_time = round_of(player("nyc_host", zip=NEW_YORK), at=time(8, 0))
    player("sf_player", zip=SAN_FRANCISCO)
    host = as_user("nyc_host")
    assert action(host, f"/t/{tee_time.code}/invite/sf_player").status_code == 303
    thread = as_user("sf_player").get("/messages/nyc_host").get_data(as_text=True)
    assert "I&#39;m playing Harding Park on Wed Jun 12, 8:00 AM EDT and have" in thread

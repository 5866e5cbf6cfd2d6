"""Posting a tee time: the form, its bounds (422s), the round's time on the course's clock,
and its invite code (referral alphabet, normalized like referral codes)."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.referrals.codes import ALPHABET
from app.teetimes import rounds as tee_rounds
from app.teetimes import services
from app.teetimes.models import TeeTime
from tests.teetimes.conftest import action

GOOD = {
    "course": "Harding Park", "date": "2030-06-12", "slot": "", "time": "07:30", "spots": "2",
    "note": "Walking.", "visibility": "link",
}


def rounds() -> list[TeeTime]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(TeeTime).order_by(TeeTime.id)))


def test_posting_needs_an_account(client):
    response = client.get("/tee-times/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/tee-times/new")


def test_a_posted_round_gets_a_link_and_reads_on_the_course_clock(player, as_user):
    player("ann", zip="94103")
    client = as_user("ann")
    assert "Post a tee time" in client.get("/tee-times/new").get_data(as_text=True)
    response = action(client, "/tee-times/new", GOOD, page="/tee-times/new")
    assert response.status_code == 303
    (tee_time,) = rounds()
    assert response.headers["Location"].endswith(f"/t/{tee_time.code}")
    assert len(tee_time.code) == services.CODE_LENGTH and set(tee_time.code) <= set(ALPHABET)
    # 07:30 in San Francisco in June (PDT, UTC-7) is 14:30 UTC.
    assert tee_time.timezone == "America/Los_Angeles"
    assert tee_time.starts_at == datetime(2030, 6, 12, 14, 30)
    assert (tee_time.spots, tee_time.visibility, tee_time.slot) == (2, "link", None)
    page = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert "Harding Park" in page and "Wed Jun 12, 7:30 AM PDT" in page
    assert f"http://fairway.test/t/{tee_time.code}" in page
    assert "<strong>2</strong> of 2 spots open" in page


def test_a_slot_round_tees_off_when_the_slot_begins(player, as_user):
    player("ann", zip="10001")
    client = as_user("ann")
    data = {**GOOD, "slot": "twilight", "time": "", "visibility": "followers"}
    assert action(client, "/tee-times/new", data, page="/tee-times/new").status_code == 303
    (tee_time,) = rounds()
    # Twilight starts at 16:00 in New York (EDT, UTC-4).
    assert tee_time.slot == "twilight" and tee_time.starts_at == datetime(2030, 6, 12, 20, 0)
    assert tee_time.visibility == "followers"


def test_a_host_without_a_zip_posts_in_utc(player, as_user):
    player("ann", zip=None)
    client = as_user("ann")
    assert action(client, "/tee-times/new", GOOD, page="/tee-times/new").status_code == 303
    (tee_time,) = rounds()
    assert tee_time.timezone == "UTC" and tee_time.starts_at == datetime(2030, 6, 12, 7, 30)


@pytest.mark.parametrize(("changes", "message"), [
    ({"course": ""}, "Which course are you playing?"),
    ({"course": "x" * 101}, "A course name is 2 to 100 characters."),
    ({"date": ""}, "Which day?"),
    ({"date": "12/06/2030"}, "Give the date as YYYY-MM-DD."),
    ({"date": "2030-02-30"}, "That date doesn&#39;t exist."),
    ({"date": "2030-06-09"}, "That tee time has passed."),
    ({"date": "2030-06-10", "time": "07:00"}, "That tee time has passed."),
    ({"date": "2030-10-01"}, "Post rounds up to 90 days ahead."),
    ({"time": "25:00"}, "Use HH:MM on a 24-hour clock"),
    ({"time": "7h30"}, "Use HH:MM on a 24-hour clock"),
    ({"time": "", "slot": ""}, "Pick a slot or give an exact tee time."),
    ({"time": "", "slot": "night"}, "Not a valid choice"),
    ({"spots": "0"}, "From 1 to 3 open spots."),
    ({"spots": "4"}, "From 1 to 3 open spots."),
    ({"spots": "lots"}, "Not a valid integer value"),
    ({"note": "n" * 501}, "Keep the note under 500 characters."),
    ({"visibility": "public"}, "Not a valid choice"),
])
def test_bad_input_is_shown_again_with_a_message(player, as_user, changes, message):
    player("ann")
    client = as_user("ann")
    response = action(client, "/tee-times/new", {**GOOD, **changes}, page="/tee-times/new")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert rounds() == []


def test_a_host_has_at_most_twenty_upcoming_rounds(player, as_user, round_of):
    host = player("ann")
    for _ in range(services.MAX_UPCOMING_HOSTED):
        round_of(host)
    response = action(as_user("ann"), "/tee-times/new", GOOD, page="/tee-times/new")
    assert response.status_code == 422
    assert "You host 20 upcoming rounds already" in response.get_data(as_text=True)


def test_posting_without_a_csrf_token_is_refused(player, as_user):
    player("ann")
    client = as_user("ann")
    response = client.post("/tee-times/new", data=GOOD)
    assert response.status_code == 400
    assert rounds() == []


def test_codes_are_normalized_like_referral_codes(player, round_of, client):
    tee_time = round_of(player("ann"))
    messy = " " + "-".join([tee_time.code[:4].lower(), tee_time.code[4:]]) + " "
    page = client.get(f"/t/{messy}")
    assert page.status_code == 200 and "Harding Park" in page.get_data(as_text=True)
    assert client.get("/t/NOSUCHCODE").status_code == 404
    assert client.get("/t/" + "A" * 70).status_code == 404


def test_a_code_collision_is_retried(player, round_of, monkeypatch):
    first = round_of(player("ann"))
    drawn = iter([first.code, first.code, "ZZZZZZZZ"])
    monkeypatch.setattr(tee_rounds, "new_code", lambda: next(drawn))
    second = round_of(player("bob"))
    assert second.code == "ZZZZZZZZ"


def test_a_deactivated_hosts_round_is_gone(player, round_of, client):
    host = player("ann")
    tee_time = round_of(host)
    host.deactivated_at = host.created_at
    db.session.commit()
    assert client.get(f"/t/{tee_time.code}").status_code == 404

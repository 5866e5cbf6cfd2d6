"""Matching: players within my radius free when I am, most shared slots first, then the
nearest, then the closest handicap."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.profiles.models import AvailabilitySlot
from tests.support import login

TODAY = date(2030, 6, 10)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2030-06-10 15:00:00", tick=False):
        yield


def free(profile, *slots: tuple[int, str]) -> None:
    for offset, slot in slots:
        db.session.add(
            AvailabilitySlot(user_id=profile.user_id, day=TODAY + timedelta(days=offset), slot=slot)
        )
    db.session.commit()


def names(page: str) -> list[str]:
    return re.findall(r'href="/u/([a-z0-9_]+)"><strong>', page)


MINE = [(0, "morning"), (1, "midday"), (2, "twilight"), (5, "morning")]


def test_ranked_by_shared_slots_then_distance_then_handicap(client, make_player):
    me = make_player("ann", zip="94103", handicap=10.0, radius_miles=30)
    free(me, *MINE)
    free(make_player("two_far", zip="94301", handicap=10.0), (0, "morning"), (1, "midday"))
    free(make_player("two_near", zip="94607", handicap=30.0), (0, "morning"), (2, "twilight"))
    free(make_player("one_near", zip="94102", handicap=40.0), (5, "morning"), (3, "morning"))
    free(make_player("one_hcp_close", zip="94110", handicap=11.0), (1, "midday"))
    free(make_player("one_hcp_far", zip="94110", handicap=25.0), (2, "twilight"))
    free(make_player("three", zip="95814", handicap=10.0), (0, "morning"), (1, "midday"), (2, "twilight"))
    login(client, "ann")
    page = client.get("/players/match").get_data(as_text=True)
    assert names(page) == ["two_near", "two_far", "one_near", "one_hcp_close", "one_hcp_far"]
    assert "Free together (2)" in page and "Mon Jun 10 morning" in page and "Wed Jun 12 twilight" in page
    assert "7.5 mi away" in page and "26.9 mi away" in page


def test_a_wider_radius_brings_further_players_in_first_by_overlap(client, make_player):
    me = make_player("ann", zip="94103", handicap=10.0, radius_miles=100)
    free(me, *MINE)
    free(make_player("three", zip="95814"), (0, "morning"), (1, "midday"), (2, "twilight"))
    free(make_player("one", zip="94102"), (0, "morning"))
    login(client, "ann")
    assert names(client.get("/players/match").get_data(as_text=True)) == ["three", "one"]


def test_no_overlap_past_slots_and_deactivated_players_do_not_match(client, make_player):
    me = make_player("ann", zip="94103")
    free(me, (0, "morning"), (-1, "midday"))
    free(make_player("other_slot", zip="94102"), (0, "midday"))
    free(make_player("past", zip="94102"), (-1, "midday"))
    free(make_player("later", zip="94102"), (14, "morning"))
    gone = make_player("gone", zip="94102")
    free(gone, (0, "morning"))
    db.session.get(User, gone.user_id).deactivated_at = utcnow()
    db.session.commit()
    login(client, "ann")
    page = client.get("/players/match").get_data(as_text=True)
    assert names(page) == []
    assert "Nobody within 25 miles" in page


def test_a_player_without_location_is_told_to_add_a_zip(client, make_player):
    make_player("ann")
    login(client, "ann")
    assert "Add your home zip code" in client.get("/players/match").get_data(as_text=True)


def test_a_player_without_slots_is_told_to_mark_some(client, make_player):
    make_player("bob", zip="94103")
    login(client, "bob")
    assert "Mark when you" in client.get("/players/match").get_data(as_text=True)


def test_players_without_location_never_match(client, make_player):
    me = make_player("ann", zip="94103")
    free(me, (0, "morning"))
    free(make_player("nowhere"), (0, "morning"))
    login(client, "ann")
    assert names(client.get("/players/match").get_data(as_text=True)) == []


def test_match_is_paginated(client, make_player):
    me = make_player("ann", zip="94103")
    free(me, (0, "morning"))
    for n in range(23):
        free(make_player(f"p{n:02d}", zip="94110"), (0, "morning"))
    login(client, "ann")
    first = client.get("/players/match").get_data(as_text=True)
    second = client.get("/players/match?page=2").get_data(as_text=True)
    assert len(names(first)) == 20 and len(names(second)) == 3
    assert "23 players" in first


@pytest.mark.parametrize("page", ["-1", "0", "x", "1e309"])
def test_bad_page_is_422(client, make_player, page):
    make_player("ann", zip="94103")
    login(client, "ann")
    response = client.get("/players/match", query_string={"page": page})
    assert response.status_code == 422
    assert "Pages are numbered from 1" in response.get_data(as_text=True)


def test_match_needs_login(client):
    assert client.get("/players/match").status_code == 302

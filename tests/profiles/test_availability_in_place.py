"""Availability toggled in place (htmx): a slot POST with ``HX-Request: true`` answers 200 with
the grid alone (the page's own include), a bad one 422 with the grid and its error; without
the header it is the 303 to the full page as before."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.profiles.test_availability import TODAY, slot_rows
from tests.support import post, register

HTMX = {"HX-Request": "true"}


def mark(client, day: date, slot: str, headers: dict | None = None, **extra):
    data = {"date": day.isoformat(), "slot": slot, **extra}
    return post(client, "/availability", data, token_from="/availability", headers=headers or {})


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2030-06-10 15:00:00", tick=False):
        yield


def test_marking_and_removing_in_place_answer_the_grid(client):
    register(client, "ann")
    response = mark(client, TODAY, "twilight", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="availability-grid">')
    assert "<html" not in html and "When you can play" not in html
    assert html.count(">Mark</button>") == 41 and " Free</button>" in html
    assert 'id="slot-2030-06-10-twilight"' in html and 'hx-target="#availability-grid"' in html
    assert slot_rows() == [(TODAY, "twilight")]

    removed = mark(client, TODAY, "twilight", remove="1", headers=HTMX)
    assert removed.status_code == 200
    assert removed.get_data(as_text=True).count(">Mark</button>") == 42
    assert slot_rows() == []


def test_the_full_page_includes_the_same_grid(client):
    register(client, "ann")
    page = client.get("/availability").get_data(as_text=True)
    assert '<div id="availability-grid">' in page and "When you can play" in page
    fragment = mark(client, TODAY, "morning", remove="1", headers=HTMX).get_data(as_text=True)
    assert fragment.strip() in page


def test_without_htmx_it_redirects(client):
    register(client, "ann")
    response = mark(client, TODAY, "midday")
    assert response.status_code == 303 and response.headers["Location"] == "/availability"


def test_a_bad_slot_in_place_is_a_422_grid_with_the_error(client):
    register(client, "ann")
    response = mark(client, date(2031, 1, 1), "morning", headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div id="availability-grid">' in html and 'class="error"' in html and "<html" not in html
    assert slot_rows() == []

"""Availability: date × slot over the coming 14 days; marking twice is a no-op."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.profiles import services
from app.profiles.models import AvailabilitySlot
from tests.support import post, register

TODAY = date(2030, 6, 10)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2030-06-10 15:00:00", tick=False):
        yield


def mark(client, day: date | str, slot: str = "morning", **extra):
    data = {"date": day if isinstance(day, str) else day.isoformat(), "slot": slot, **extra}
    return post(client, "/availability", data, token_from="/availability")


def slot_rows() -> list[tuple[date, str]]:
    return list(
        db.session.execute(
            sa.select(AvailabilitySlot.day, AvailabilitySlot.slot).order_by(AvailabilitySlot.day)
        )
    )


def test_grid_shows_the_coming_14_days_including_empty_ones(client):
    register(client, "ann")
    page = client.get("/availability").get_data(as_text=True)
    for offset in range(14):
        assert (TODAY + timedelta(days=offset)).isoformat() in page
    assert (TODAY + timedelta(days=14)).isoformat() not in page
    assert (TODAY - timedelta(days=1)).isoformat() not in page
    assert page.count(">Mark</button>") == 42
    for hours in ("6–11", "11–4", "4–9"):
        assert hours in page


def test_marking_a_slot_shows_it_and_marking_again_is_a_no_op(client):
    register(client, "ann")
    day = TODAY + timedelta(days=3)
    assert mark(client, day, "twilight").status_code == 303
    assert mark(client, day, "twilight").status_code == 303
    assert slot_rows() == [(day, "twilight")]
    page = client.get("/availability").get_data(as_text=True)
    assert page.count(" Free</button>") == 1 and page.count(">Mark</button>") == 41


def test_service_level_duplicate_is_ignored_by_the_constraint(app, make_player):
    from app.identity.models import User

    profile = make_player("bob")
    user = db.session.get(User, profile.user_id)
    services.mark_slot(user, TODAY, "midday")
    services.mark_slot(user, TODAY, "midday")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AvailabilitySlot)) == 1


def test_a_slot_can_be_removed(client):
    register(client, "ann")
    mark(client, TODAY, "midday")
    assert mark(client, TODAY, "midday", remove="1").status_code == 303
    assert slot_rows() == []
    assert mark(client, TODAY, "midday", remove="1").status_code == 303


def test_today_and_the_last_day_of_the_window_are_allowed(client):
    register(client, "ann")
    assert mark(client, TODAY).status_code == 303
    assert mark(client, TODAY + timedelta(days=13)).status_code == 303
    assert len(slot_rows()) == 2


@pytest.mark.parametrize(
    "day,slot,message",
    [
        ((TODAY - timedelta(days=1)).isoformat(), "morning", "That day has passed"),
        ((TODAY + timedelta(days=14)).isoformat(), "morning", "up to 14 days ahead"),
        ("2030-02-30", "morning", "That date doesn"),
        ("tomorrow", "morning", "YYYY-MM-DD"),
        ("", "morning", "YYYY-MM-DD"),
        ("9" * 500, "morning", "YYYY-MM-DD"),
        (TODAY.isoformat(), "midnight", "Not a valid choice"),
        (TODAY.isoformat(), "", "Not a valid choice"),
    ],
)
def test_bad_slots_are_422_with_a_message(client, day, slot, message):
    register(client, "ann")
    response = mark(client, day, slot)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert slot_rows() == []


def test_old_slots_drop_out_of_the_grid(client):
    register(client, "ann")
    mark(client, TODAY, "morning")
    with time_machine.travel("2030-06-11 08:00:00", tick=False):
        page = client.get("/availability").get_data(as_text=True)
        assert TODAY.isoformat() not in page
        assert page.count(" Free</button>") == 0


def test_availability_needs_login_and_csrf(client):
    assert client.get("/availability").status_code == 302
    register(client, "ann")
    assert (
        client.post("/availability", data={"date": TODAY.isoformat(), "slot": "morning"}).status_code == 400
    )

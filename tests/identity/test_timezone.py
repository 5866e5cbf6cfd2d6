"""Local time: the ``timezone`` setting, its default (the home zip's zone, else UTC), ``when`` on
the viewer's clock (across daylight saving and the date line), and the availability grid
starting on the player's own today."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import g, render_template_string

from app.core import zones
from app.core.text import when
from app.extensions import db
from app.messaging import services as messaging
from tests.factories import make_member
from tests.home.conftest import counting_statements
from tests.identity.conftest import fetch
from tests.support import login, post

SAN_FRANCISCO, NEW_YORK = "94103", "10001"


def choose(client, zone: str):
    return post(client, "/settings/timezone", {"timezone": zone}, token_from="/settings")


@pytest.fixture
def ann(app, client):
    user = make_member("ann", zip=SAN_FRANCISCO)
    assert login(client, "ann").status_code == 303
    return user


# --- the setting -----------------------------------------------------------------------------


def test_the_default_is_the_home_zips_zone(ann, client):
    assert fetch("ann").timezone is None
    assert zones.zone_of(fetch("ann")).key == "America/Los_Angeles"
    page = client.get("/settings").get_data(as_text=True)
    assert "Times show in <strong>America/Los_Angeles</strong>" in page
    assert '<option selected value="">From my home zip (America/Los_Angeles)</option>' in page
    assert '<option value="America/New_York">Eastern (New York)</option>' in page
    assert "Asia/Tokyo" not in page  # /settings lists the common zones; every zone has its page
    assert 'href="/settings/timezone"' in page
    every = client.get("/settings/timezone").get_data(as_text=True)
    assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in every
    assert '<option selected value="">From my home zip (America/Los_Angeles)</option>' in every
    assert "US/Pacific" not in every  # legacy aliases are not offered (still accepted if sent)


def test_without_a_home_zip_the_default_is_utc(app, make_user):
    bare = make_user("bare")  # no profile at all
    make_member("nozip")
    assert zones.zone_of(bare) is zones.UTC_ZONE
    assert zones.zone_of(fetch("nozip")) is zones.UTC_ZONE


def test_choosing_a_zone_saves_it_and_shows_times_in_it(ann, client):
    response = choose(client, "Asia/Tokyo")
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    assert fetch("ann").timezone == "Asia/Tokyo"
    assert zones.zone_of(fetch("ann")).key == "Asia/Tokyo"
    page = client.get("/settings").get_data(as_text=True)
    assert "Times now show in Asia/Tokyo." in page
    assert '<option selected value="Asia/Tokyo">' in page


def test_choosing_automatic_again_goes_back_to_the_home_zip(ann, client):
    assert choose(client, "Europe/London").status_code == 303
    assert choose(client, "").status_code == 303
    assert fetch("ann").timezone is None
    assert zones.zone_of(fetch("ann")).key == "America/Los_Angeles"


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "america/new_york", "../../etc/passwd", "/usr/share/zoneinfo/UTC",
             "A" * 300, "Etc/GMT+99"],
)
def test_an_unknown_zone_is_refused_with_a_message(ann, client, zone):
    response = choose(client, zone)
    assert response.status_code == 422
    assert "That is not a time zone we know" in response.get_data(as_text=True)
    assert fetch("ann").timezone is None


def test_the_setting_needs_login(client):
    response = post(client, "/settings/timezone", {"timezone": "UTC"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_zip_lookup_is_cached():
    zones.timezone_for_zip.cache_clear()
    assert zones.timezone_for_zip(SAN_FRANCISCO) == "America/Los_Angeles"
    assert zones.timezone_for_zip(NEW_YORK) == "America/New_York"
    assert zones.timezone_for_zip(SAN_FRANCISCO) == "America/Los_Angeles"
    assert zones.timezone_for_zip.cache_info().hits == 1
    assert zones.timezone_for_zip("00000") == "UTC"


# --- when ------------------------------------------------------------------------------------

LOS_ANGELES, AUCKLAND = zones.zone_named("America/Los_Angeles"), zones.zone_named("Pacific/Auckland")


@time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        # Spring forward in Los Angeles: 2:00 PST becomes 3:00 PDT.
        (datetime(2026, 3, 8, 9, 59), "Sun Mar 8, 1:59 AM PST"),
        (datetime(2026, 3, 8, 10, 0), "Sun Mar 8, 3:00 AM PDT"),
        # Fall back: 1:30 happens twice, first in PDT, then in PST.
        (datetime(2026, 11, 1, 8, 30), "Sun Nov 1, 1:30 AM PDT"),
        (datetime(2026, 11, 1, 9, 30), "Sun Nov 1, 1:30 AM PST"),
    ],
)
def test_when_follows_daylight_saving(stored, shown):
    assert when(stored, zone=LOS_ANGELES) == shown
    assert when(stored.replace(tzinfo=UTC), zone=LOS_ANGELES) == shown  # aware reads the same


@time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False)
def test_when_across_the_date_line():
    noon = datetime(2026, 12, 1, 12, 0)
    assert when(noon, zone="Pacific/Kiritimati") == "Wed Dec 2, 2:00 AM +14"
    assert when(noon, zone="Pacific/Pago_Pago") == "Tue Dec 1, 1:00 AM SST"
    assert when(noon, "date", zone="Pacific/Kiritimati") == "Dec 2, 2026"
    assert when(noon, "day", zone="Pacific/Pago_Pago") == "Tue Dec 1"
    # An aware time from elsewhere is shown on the viewer's clock too.
    tokyo = datetime(2026, 12, 1, 21, 0, tzinfo=zones.zone_named("Asia/Tokyo"))
    assert when(tokyo, zone=LOS_ANGELES) == "Tue Dec 1, 4:00 AM PST"


@time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False)
def test_the_year_shows_only_when_it_is_not_the_viewers_current_one():
    moment = datetime(2026, 12, 31, 23, 30)
    # Already 2027 in Auckland, and still 2026 in Los Angeles: "now" either way.
    assert when(moment, zone=AUCKLAND) == "Fri Jan 1, 12:30 PM NZDT"
    assert when(moment, zone=LOS_ANGELES) == "Thu Dec 31, 3:30 PM PST"
    assert when(datetime(2026, 1, 5, 12, 0), zone=AUCKLAND) == "Tue Jan 6 2026, 1:00 AM NZDT"


@time_machine.travel(datetime(2026, 12, 1, 14, 5, tzinfo=UTC), tick=False)
def test_when_uses_the_signed_in_viewer_and_utc_for_visitors(app, client):
    make_member("ann", zip=SAN_FRANCISCO)
    make_member("bob", zip=NEW_YORK)
    assert login(client, "ann").status_code == 303
    messaging.send_message(fetch("bob"), fetch("ann"), "nine holes?")
    db.session.commit()
    inbox = client.get("/messages").get_data(as_text=True)
    assert "Tue Dec 1, 6:05 AM PST" in inbox
    assert choose(client, "Asia/Tokyo").status_code == 303
    thread = client.get("/messages/bob").get_data(as_text=True)
    assert "Tue Dec 1, 11:05 PM JST" in thread and "PST" not in thread
    with app.test_request_context():
        g.__dict__.clear()  # the test's app context kept the last request's signed-in user
        shown = render_template_string("{{ t|when }}", t=datetime(2026, 12, 1, 14, 5))
        assert shown == "Tue Dec 1, 2:05 PM UTC"


def test_the_zone_costs_no_query(app, client):
    """The home zip comes from the profile the page loads anyway (the navigation's greeting): a
    page of times costs the same statements whether the zone is chosen or comes from the zip."""
    make_member("ann", zip=SAN_FRANCISCO)
    make_member("bob", zip=NEW_YORK)
    messaging.send_message(fetch("bob"), fetch("ann"), "nine holes?")
    db.session.commit()
    assert login(client, "ann").status_code == 303

    def inbox() -> tuple[str, int]:
        db.session.expunge_all()  # nothing loaded before the request, as in production
        with counting_statements() as statements:
            page = client.get("/messages").get_data(as_text=True)
        return page, len(statements)

    page, from_zip = inbox()
    assert "PST" in page or "PDT" in page
    fetch("ann").timezone = "Asia/Tokyo"
    db.session.commit()
    page, chosen = inbox()
    assert "JST" in page
    assert from_zip == chosen


# --- the availability grid ---------------------------------------------------------------------


# 17:00 in San Francisco on Nov 30 is already 01:00 on Dec 1 in UTC.
@time_machine.travel(datetime(2030, 12, 1, 1, 0, tzinfo=UTC), tick=False)
def test_the_grid_starts_on_the_players_today(app, client):
    make_member("ann", zip=SAN_FRANCISCO)
    assert login(client, "ann").status_code == 303
    page = client.get("/availability").get_data(as_text=True)
    assert "Sat Nov 30" in page and date(2030, 11, 30).isoformat() in page
    assert date(2030, 12, 13).isoformat() in page and date(2030, 12, 14).isoformat() not in page
    assert post(client, "/availability", {"date": "2030-11-30", "slot": "twilight"},
                token_from="/availability").status_code == 303
    # A player on UTC starts a day later: Nov 30 has passed for them.
    make_member("zed")
    other = client.application.test_client()
    assert login(other, "zed").status_code == 303
    grid = other.get("/availability").get_data(as_text=True)
    assert date(2030, 11, 30).isoformat() not in grid and date(2030, 12, 14).isoformat() in grid
    refused = post(other, "/availability", {"date": "2030-11-30", "slot": "twilight"},
                   token_from="/availability")
    assert refused.status_code == 422 and "That day has passed" in refused.get_data(as_text=True)

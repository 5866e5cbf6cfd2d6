"""A round as a calendar file: one VEVENT on the course's clock, for its host and players only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event

from app.clock import utcnow
from app.teetimes.errors import NoSuchRound
from app.teetimes.listings import claims_of
from app.teetimes.models import HELD, PENDING, TeeTime
from app.teetimes.rounds import round_url

#: How long a calendar blocks for a round: eighteen holes and a drink after.
ROUND_LENGTH = timedelta(hours=4, minutes=30)


def in_round(viewer: Any, tee_time: TeeTime) -> bool:
    """The host, or a player whose spot is held or pending (the people who are going)."""
    if not viewer.is_authenticated:
        return False
    if viewer.id == tee_time.host_id:
        return True
    now = utcnow()
    return any(c.user_id == viewer.id and c.status(now) in (HELD, PENDING) for c in claims_of(tee_time))


def round_calendar(viewer: Any, tee_time: TeeTime) -> bytes:
    """The round's ``.ics``; anyone not in the round is told it does not exist (NoSuchRound),
    so the file reveals nothing about rounds they can't join or have left."""
    if tee_time.cancelled_at is not None or not in_round(viewer, tee_time):
        raise NoSuchRound("No such round.")
    start = tee_time.local_start
    host = current_app.config["APP_BASE_URL"].split("://", 1)[-1].split("/", 1)[0]
    event = Event()
    event.add("uid", f"teetime-{tee_time.code}@{host}")
    event.add("dtstamp", utcnow().replace(tzinfo=ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", start + ROUND_LENGTH)
    event.add("summary", f"Golf at {tee_time.course}")
    event.add("location", tee_time.course)
    description = f"Hosted by {tee_time.host.username} on Fairway."
    if tee_time.slot:
        description += f" A {tee_time.slot} round: the host will confirm the exact tee time."
    if tee_time.note:
        description += f"\n\n{tee_time.note}"
    event.add("description", f"{description}\n\n{round_url(tee_time)}")
    event.add("url", round_url(tee_time))
    calendar = Calendar()
    calendar.add("prodid", "-//Fairway//Tee times//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())

"""Which time zone a player is in, in one place: their chosen zone, else the zone of their home
zip, else UTC. Times are stored as naive UTC everywhere; ``app.core.text.when`` shows them in the
zone of whoever is looking (``viewer_zone``), and mail passes its recipient's ``zone_of``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Flask, current_app, g, has_app_context, has_request_context

from app.clock import utcnow

UTC_ZONE = ZoneInfo("UTC")

#: The zones most players pick, first in the settings list (US first: home zips are US zips).
COMMON_ZONES = (
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
    ("UTC", "UTC"),
)


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows (the tzdata package ships them)."""
    return frozenset(available_timezones())


#: The areas of the IANA names a person lives under (not the legacy aliases: US/…, Etc/…, …).
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
           "Indian", "Pacific")


@lru_cache(maxsize=1)
def region_zone_names() -> tuple[str, ...]:
    """The zones a player picks from, sorted: every zone of a region, and UTC."""
    return tuple(sorted(name for name in zone_names() if name.split("/", 1)[0] in REGIONS)) + ("UTC",)


def zone_named(name: str | None) -> ZoneInfo | None:
    """The zone ``name`` names, or None when it is no known IANA zone (never a file path)."""
    if not name or name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=4096)
def timezone_for_zip(zip_code: str) -> str:
    """The IANA time zone of a US zip code, "UTC" when unknown."""
    import zipcodes

    try:
        rows = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return "UTC"
    name = rows[0].get("timezone") if rows else None
    return str(name) if zone_named(name) is not None else "UTC"


def set_home_zip(app: Flask, home_zip: Callable[[Any], str | None]) -> None:
    """``home_zip(user)`` gives a player's home zip (profiles registers it; it must cost no query
    on a page that already loaded the player's profile, as every signed-in page does)."""
    app.extensions["fairway.home_zip"] = home_zip


def home_zone(user: Any) -> ZoneInfo:
    """The zone of the player's home zip, UTC without one: the default of the setting."""
    home_zip = current_app.extensions.get("fairway.home_zip") if has_app_context() else None
    zip_code = home_zip(user) if home_zip is not None else None
    return ZoneInfo(timezone_for_zip(zip_code)) if zip_code else UTC_ZONE


def zone_of(user: Any) -> ZoneInfo:
    """The zone ``user`` sees times in: the one they chose, else their home zip's, else UTC."""
    chosen = zone_named(getattr(user, "timezone", None))
    return chosen if chosen is not None else home_zone(user)


def signed_in_zone() -> ZoneInfo | None:
    """The zone of the signed-in player this request serves, worked out once per request and
    player; None for visitors and outside a request."""
    if not has_request_context():
        return None
    from flask_login import current_user

    user = current_user._get_current_object()  # one proxy lookup: a page asks for every time
    if not user.is_authenticated:
        return None
    viewer, zone = g.get("fairway_viewer_zone", (None, None))
    if viewer != user.id or zone is None:
        zone = zone_of(user)
        g.fairway_viewer_zone = (user.id, zone)
    return zone


def viewer_zone() -> ZoneInfo:
    """The zone times are shown in for whoever this request serves: UTC for visitors and
    outside a request."""
    return signed_in_zone() or UTC_ZONE


def forget_viewer_zone() -> None:
    """Call after the player's zone changed within a request."""
    if has_request_context():
        g.pop("fairway_viewer_zone", None)


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` (aware, or naive UTC as stored) on ``zone``'s clock."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def today_in(zone: ZoneInfo) -> date:
    """Today's date on ``zone``'s clock (follows app.clock, so time-machine moves it)."""
    return in_zone(utcnow(), zone).date()

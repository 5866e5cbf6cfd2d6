"""Offline geography: zip codes to coordinates (the ``zipcodes`` data package), great-circle
distances and the latitude/longitude box that bounds a search radius."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

EARTH_RADIUS_MILES = 3958.8
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")


@dataclass(frozen=True)
class Place:
    zip: str
    latitude: float
    longitude: float
    city: str
    state: str


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def normalize_zip(value: str) -> str | None:
    """The 5-digit zip in ``value`` (ZIP+4 accepted), or None when it is not shaped like one."""
    match = _ZIP.match(value.strip())
    return match.group(1) if match else None


@lru_cache(maxsize=1)
def _places() -> dict[str, Place]:
    """Every zip code with coordinates, indexed once per process (the package scans a list)."""
    import zipcodes

    places: dict[str, Place] = {}
    for row in zipcodes.list_all():
        try:
            lat, lon = float(row["lat"]), float(row["long"])
        except (KeyError, TypeError, ValueError):
            continue
        code = row["zip_code"]
        places[code] = Place(code, lat, lon, row.get("city") or "", row.get("state") or "")
    return places


def place_for_zip(value: str) -> Place | None:
    """Where a zip code is, or None for a malformed or unknown code."""
    code = normalize_zip(value)
    return _places().get(code) if code else None


def all_places() -> list[Place]:
    return list(_places().values())


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_miles: float) -> Box:
    """A box that contains every point within ``radius_miles`` of (lat, lon): the cheap,
    index-friendly prefilter; the exact haversine distance decides afterwards."""
    angular = radius_miles / EARTH_RADIUS_MILES
    dlat = math.degrees(angular) * 1.0001
    # The widest longitude a circle reaches (wider than at its own latitude, away from the
    # equator); near the poles it covers every longitude.
    ratio = math.sin(angular) / math.cos(math.radians(lat)) if abs(lat) < 90 else math.inf
    dlon = 180.0 if ratio >= 1 else min(180.0, math.degrees(math.asin(ratio)) * 1.0001)
    return Box(max(-90.0, lat - dlat), min(90.0, lat + dlat), lon - dlon, lon + dlon)

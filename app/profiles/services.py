"""Profiles, availability and partner search as plain functions. Services add and flush;
the request commits."""

from __future__ import annotations

import io
import math
import secrets
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, url_for

from app import jobs
from app.clock import utcnow
from app.core.pagination import Paginated
from app.core.search import contains
from app.extensions import db
from app.identity.models import User
from app.identity.services import active_user  # noqa: F401  (this area's views use it)
from app.profiles import geo
from app.profiles.models import SLOTS, TRAITS, AvailabilitySlot, Profile

WINDOW_DAYS = 14
PER_PAGE = 20
AVATAR_SIZE = 256
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


class ProfileError(Exception):
    """A rule refused the change; the message is for the user, ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- profiles ----------------------------------------------------------------------------


def create_profile(user: User) -> Profile:
    """The empty profile every account gets at sign-up (inside the sign-up transaction)."""
    profile = Profile(user_id=user.id, display_name=user.username)
    db.session.add(profile)
    db.session.flush()
    return profile


def on_user_registered(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``user_registered`` listener: only apps that run the profiles area react."""
    if "profiles" in sender.blueprints:
        create_profile(user)


def profile_for(user: User) -> Profile:
    """The user's profile; accounts made before profiles existed get one on first use."""
    profile = db.session.get(Profile, user.id)
    return profile if profile is not None else create_profile(user)


@dataclass
class ProfileChanges:
    display_name: str
    bio: str
    handicap: float | None
    zip: str
    radius_miles: int
    traits: dict[str, int]
    left_handed: bool


def update_profile(profile: Profile, changes: ProfileChanges) -> Profile:
    """Apply an edit. The zip code resolves offline to coordinates; an unknown one is refused."""
    if changes.zip:
        place = geo.place_for_zip(changes.zip)
        if place is None:
            raise ProfileError(
                "zip", f"We don't know the zip code {changes.zip[:10]!r}. Check it and try again."
            )
        profile.zip, profile.city, profile.state = place.zip, place.city[:60], place.state[:2]
        profile.latitude, profile.longitude = place.latitude, place.longitude
    else:
        profile.zip = profile.city = profile.state = None
        profile.latitude = profile.longitude = None
    profile.display_name = changes.display_name
    profile.bio = changes.bio
    profile.handicap = None if changes.handicap is None else round(changes.handicap, 1)
    profile.radius_miles = changes.radius_miles
    for trait in TRAITS:
        setattr(profile, trait.name, changes.traits.get(trait.name, 0))
    profile.left_handed = changes.left_handed
    db.session.flush()
    return profile


# --- avatars -----------------------------------------------------------------------------


def avatar_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config.get("AVATAR_DIR") or Path(app.instance_path) / "avatars")


def _max_avatar_bytes() -> int:
    return int(current_app.config.get("AVATAR_MAX_BYTES", AVATAR_MAX_BYTES))


def read_avatar_upload(stream: Any) -> bytes:
    """The uploaded bytes, refusing anything over the size limit without reading it all."""
    limit = _max_avatar_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ProfileError("avatar", f"Pictures can be at most {limit // (1024 * 1024)} MB.")
    if not data:
        raise ProfileError("avatar", "That file is empty.")
    return data


def render_avatar(data: bytes) -> bytes:
    """Decode an upload as an image and re-encode it as a square JPEG: whatever else the
    file carried (metadata, trailing bytes, another format) is dropped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_image = ProfileError(
        "avatar", "That file isn't a picture we can read. Upload a JPEG, PNG, GIF or WebP."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in AVATAR_FORMATS:
                    raise not_image
                if image.width * image.height > AVATAR_MAX_PIXELS:
                    raise ProfileError("avatar", "That picture is too large. Use one under 40 megapixels.")
                image.seek(0)
                image.load()
                picture = ImageOps.exif_transpose(image) or image
                picture = picture.convert("RGB")
                picture = ImageOps.fit(picture, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    except ProfileError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, ValueError, SyntaxError, EOFError) as exc:
        raise not_image from exc
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def set_avatar(profile: Profile, data: bytes) -> str:
    """Store a re-encoded avatar under a fresh name (so it can be cached forever) and drop the old one."""
    encoded = render_avatar(data)
    directory = avatar_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{profile.user_id}-{secrets.token_hex(8)}.jpg"
    (directory / name).write_bytes(encoded)
    old, profile.avatar = profile.avatar, name
    db.session.flush()
    if old:
        _delete_after_commit(old)
    return name


def remove_avatar(profile: Profile) -> None:
    old, profile.avatar = profile.avatar, None
    db.session.flush()
    if old:
        _delete_after_commit(old)


def _delete_after_commit(name: str) -> None:
    # Only once the profile no longer names the file for good: a rolled-back request keeps it.
    jobs.enqueue("app.profiles.services.delete_avatar_file", name, queue=jobs.HERE)


def delete_avatar_file(name: str) -> None:
    (avatar_dir() / Path(name).name).unlink(missing_ok=True)


# --- referral link -----------------------------------------------------------------------


def join_link(user: User) -> str:
    """Where "join Fairway" on a profile leads: the owner's referral link when the referrals
    area runs in this app, else the plain sign-up page."""
    if "referrals" in current_app.blueprints:
        try:
            from app.referrals.services import referral_link  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            pass
        else:
            return str(referral_link(user))
    return url_for("identity.register")


# --- availability ------------------------------------------------------------------------


def today() -> date:
    return utcnow().date()


def window(start: date | None = None) -> list[date]:
    """The days a player can mark: today and the 13 after it."""
    first = start or today()
    return [first + timedelta(days=offset) for offset in range(WINDOW_DAYS)]


def check_slot(day: date, slot: str) -> None:
    first = today()
    if day < first:
        raise ProfileError("date", "That day has passed. Pick today or a day in the next two weeks.")
    if day > first + timedelta(days=WINDOW_DAYS - 1):
        raise ProfileError("date", f"You can mark days up to {WINDOW_DAYS} days ahead.")
    if slot not in SLOTS:
        raise ProfileError("slot", "Pick morning, midday or twilight.")


def _insert_ignoring_duplicates(values: dict[str, Any]) -> None:
    table = AvailabilitySlot.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        db.session.execute(pg_insert(table).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        db.session.execute(sqlite_insert(table).values(**values).on_conflict_do_nothing())


def mark_slot(user: User, day: date, slot: str) -> None:
    """Say the player is free then. Marking a slot that is already marked changes nothing
    (the unique constraint decides, so two tabs racing can't make a duplicate)."""
    check_slot(day, slot)
    _insert_ignoring_duplicates({"user_id": user.id, "day": day, "slot": slot, "created_at": utcnow()})


def unmark_slot(user: User, day: date, slot: str) -> None:
    check_slot(day, slot)
    db.session.execute(
        sa.delete(AvailabilitySlot).where(
            AvailabilitySlot.user_id == user.id, AvailabilitySlot.day == day, AvailabilitySlot.slot == slot
        )
    )


def availability_grid(user: User) -> list[tuple[date, dict[str, bool]]]:
    """The coming 14 days, each with every slot marked or not (empty days included)."""
    days = window()
    marked = set(
        db.session.execute(
            sa.select(AvailabilitySlot.day, AvailabilitySlot.slot).where(
                AvailabilitySlot.user_id == user.id, AvailabilitySlot.day.between(days[0], days[-1])
            )
        )
    )
    return [(day, {slot: (day, slot) in marked for slot in SLOTS}) for day in days]


# --- search ------------------------------------------------------------------------------


@dataclass
class PlayerRow:
    user: User
    profile: Profile
    distance: float | None
    shared: list[tuple[date, str]] = field(default_factory=list)


@dataclass
class PlayerPage(Paginated):
    rows: list[PlayerRow]
    total: int
    page: int
    per_page: int = PER_PAGE


@dataclass
class Origin:
    latitude: float
    longitude: float
    label: str


@dataclass
class SearchCriteria:
    q: str = ""
    origin: Origin | None = None
    radius: float | None = None
    handicap_min: float | None = None
    handicap_max: float | None = None
    mobility: int = 0
    drinking: int = 0
    page: int = 1


def box_clause(latitude: Any, longitude: Any, origin: Origin, radius: float) -> sa.ColumnElement[bool]:
    """The bounding box of ``radius`` miles around ``origin`` as a condition on two indexed
    coordinate columns (split at the antimeridian). Other areas' tables use it too."""
    box = geo.bounding_box(origin.latitude, origin.longitude, radius)
    lat = latitude.between(box.min_lat, box.max_lat)
    if box.min_lon < -180:
        lon = sa.or_(longitude >= box.min_lon + 360, longitude <= box.max_lon)
    elif box.max_lon > 180:
        lon = sa.or_(longitude >= box.min_lon, longitude <= box.max_lon - 360)
    else:
        lon = longitude.between(box.min_lon, box.max_lon)
    return sa.and_(lat, lon)


def _box_clause(origin: Origin, radius: float) -> sa.ColumnElement[bool]:
    return box_clause(Profile.latitude, Profile.longitude, origin, radius)


def _distance(origin: Origin | None, profile_lat: float | None, profile_lon: float | None) -> float | None:
    if origin is None or profile_lat is None or profile_lon is None:
        return None
    return geo.haversine_miles(origin.latitude, origin.longitude, profile_lat, profile_lon)


def distance_between(one: Profile, other: Profile) -> float | None:
    """Miles between two players' home zips, when both have one."""
    if one.latitude is None or one.longitude is None:
        return None
    return _distance(Origin(one.latitude, one.longitude, ""), other.latitude, other.longitude)


def _load_rows(ids: list[int]) -> dict[int, tuple[User, Profile]]:
    if not ids:
        return {}
    pairs = db.session.execute(
        sa.select(User, Profile).join(Profile, Profile.user_id == User.id).where(User.id.in_(ids))
    )
    return {user.id: (user, profile) for user, profile in pairs}


def search_players(viewer: User, criteria: SearchCriteria) -> PlayerPage:
    """Active players matching the filters, nearest first when a radius applies.

    With a radius, the database returns only profiles inside the bounding box (an index
    range on latitude/longitude), and the exact great-circle distance filters and orders them.
    """
    conditions: list[sa.ColumnElement[bool]] = [User.deactivated_at.is_(None), User.id != viewer.id]
    if criteria.q:
        conditions.append(contains(criteria.q, User.username, sa.func.lower(Profile.display_name)))
    if criteria.handicap_min is not None:
        conditions.append(Profile.handicap >= criteria.handicap_min)
    if criteria.handicap_max is not None:
        conditions.append(Profile.handicap <= criteria.handicap_max)
    # 0 is "no preference": someone without one is happy either way, so they match too.
    if criteria.mobility:
        conditions.append(Profile.mobility.in_((0, criteria.mobility)))
    if criteria.drinking:
        conditions.append(Profile.drinking.in_((0, criteria.drinking)))
    offset = (criteria.page - 1) * PER_PAGE
    origin = criteria.origin

    if origin is not None and criteria.radius is not None:
        radius = criteria.radius
        candidates: Any = db.session.execute(
            sa.select(Profile.user_id, Profile.latitude, Profile.longitude)
            .join(User, User.id == Profile.user_id)
            .where(_box_clause(origin, radius), *conditions)
        )
        scored = sorted(
            (distance, user_id)
            for user_id, lat, lon in candidates
            if (distance := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= radius
        )
        chosen = scored[offset : offset + PER_PAGE]
        loaded = _load_rows([user_id for _, user_id in chosen])
        rows = [
            PlayerRow(*loaded[user_id], distance=distance)
            for distance, user_id in chosen
            if user_id in loaded
        ]
        return PlayerPage(rows=rows, total=len(scored), page=criteria.page)

    base = sa.select(User, Profile).join(Profile, Profile.user_id == User.id).where(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    pairs = db.session.execute(base.order_by(User.username).offset(offset).limit(PER_PAGE))
    rows = [
        PlayerRow(user, profile, _distance(origin, profile.latitude, profile.longitude))
        for user, profile in pairs
    ]
    return PlayerPage(rows=rows, total=total, page=criteria.page)


# --- matching ----------------------------------------------------------------------------


def match_players(user: User, page: int = 1) -> PlayerPage:
    """Players within my radius who are free when I am in the coming two weeks: most shared
    slots first, then the nearest, then the closest handicap."""
    me = profile_for(user)
    if me.latitude is None or me.longitude is None:
        return PlayerPage(rows=[], total=0, page=page)
    origin = Origin(me.latitude, me.longitude, me.zip or "")
    days = window()
    mine = so.aliased(AvailabilitySlot, name="mine")
    theirs = so.aliased(AvailabilitySlot, name="theirs")
    def overlap(*columns: Any) -> sa.Select[Any]:
        return (
            sa.select(*columns)
            .select_from(mine)
            .join(
                theirs, sa.and_(theirs.day == mine.day, theirs.slot == mine.slot, theirs.user_id != user.id)
            )
            .join(Profile, Profile.user_id == theirs.user_id)
            .join(User, User.id == theirs.user_id)
            .where(
                mine.user_id == user.id,
                mine.day.between(days[0], days[-1]),
                User.deactivated_at.is_(None),
                _box_clause(origin, me.radius_miles),
            )
        )

    counts = db.session.execute(
        overlap(theirs.user_id, Profile.latitude, Profile.longitude, Profile.handicap, sa.func.count())
        .group_by(theirs.user_id, Profile.latitude, Profile.longitude, Profile.handicap)
    )

    def closeness(handicap: float | None) -> float:
        if handicap is None or me.handicap is None:
            return math.inf
        return abs(handicap - me.handicap)

    ranked = sorted(
        (-shared, distance, closeness(handicap), other_id)
        for other_id, lat, lon, handicap, shared in counts
        if (distance := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= me.radius_miles
    )
    chosen = ranked[(page - 1) * PER_PAGE : page * PER_PAGE]
    ids = [other_id for *_, other_id in chosen]
    loaded = _load_rows(ids)
    shared_slots: dict[int, list[tuple[date, str]]] = {other_id: [] for other_id in ids}
    if ids:
        for other_id, day, slot in db.session.execute(
            overlap(theirs.user_id, theirs.day, theirs.slot)
            .where(theirs.user_id.in_(ids))
            .order_by(theirs.day, theirs.slot)
        ):
            shared_slots[other_id].append((day, slot))
    for slots in shared_slots.values():
        slots.sort(key=lambda pair: (pair[0], SLOTS.index(pair[1])))
    rows = [
        PlayerRow(*loaded[other_id], distance=distance, shared=shared_slots[other_id])
        for _, distance, _, other_id in chosen
        if other_id in loaded
    ]
    return PlayerPage(rows=rows, total=len(ranked), page=page)


def has_slots(user: User) -> bool:
    days = window()
    return db.session.scalar(
        sa.select(sa.exists().where(
            AvailabilitySlot.user_id == user.id, AvailabilitySlot.day.between(days[0], days[-1])
        ))
    ) or False


# --- suggestions (read-only, for the home timeline) -----------------------------------------


def players_near(user: User, *, limit: int, exclude_ids: Collection[int] = (),
                 joined_since: datetime | None = None, closest_handicap: bool = False) -> list[PlayerRow]:
    """Up to ``limit`` active players within the user's travel radius, nearest first: the
    newest sign-ups first when ``joined_since`` is given, else the closest handicaps. One
    query, whatever the number of players (the bounding box and ``limit`` bound the rows)."""
    me = profile_for(user)
    if me.latitude is None or me.longitude is None:
        return []
    origin = Origin(me.latitude, me.longitude, me.zip or "")
    query = (
        sa.select(User, Profile)
        .join(Profile, Profile.user_id == User.id)
        .where(User.deactivated_at.is_(None), User.id != user.id, _box_clause(origin, me.radius_miles))
    )
    if exclude_ids:
        query = query.where(User.id.not_in(list(exclude_ids)))
    if joined_since is not None:
        query = query.where(User.created_at >= joined_since).order_by(User.created_at.desc(), User.id.desc())
    elif closest_handicap and me.handicap is not None:
        gap = sa.func.abs(Profile.handicap - me.handicap)
        query = query.order_by(Profile.handicap.is_(None), gap, User.id)
    else:
        query = query.order_by(User.id.desc())
    rows = []
    for other, profile in db.session.execute(query.limit(limit * 4)):
        distance = distance_between(me, profile)
        if distance is not None and distance <= me.radius_miles:
            rows.append(PlayerRow(other, profile, distance))
    return rows[:limit]


def free_together(user: User, other_ids: Collection[int], limit: int) -> list[PlayerRow]:
    """Of ``other_ids``, the active players free on days the user is free in the coming two
    weeks: most such slots first, each with their (day, slot) pairs on those days. Two queries."""
    if not other_ids:
        return []
    days = window()
    mine = so.aliased(AvailabilitySlot, name="mine")
    theirs = so.aliased(AvailabilitySlot, name="theirs")
    pairs = db.session.execute(
        sa.select(theirs.user_id, theirs.day, theirs.slot)
        .distinct()
        .select_from(mine)
        .join(theirs, theirs.day == mine.day)
        .where(
            mine.user_id == user.id,
            mine.day.between(days[0], days[-1]),
            theirs.user_id.in_(list(other_ids)),
        )
        .order_by(theirs.day, theirs.user_id)
    ).all()
    shared: dict[int, list[tuple[date, str]]] = {}
    for other_id, day, slot in pairs:
        shared.setdefault(other_id, []).append((day, slot))
    ranked = sorted(shared, key=lambda other_id: (-len(shared[other_id]), shared[other_id][0][0], other_id))
    loaded = _load_rows(ranked[:limit])
    me = profile_for(user)
    rows = []
    for other_id in ranked[:limit]:
        if other_id in loaded and loaded[other_id][0].is_active:
            other, profile = loaded[other_id]
            slots = sorted(shared[other_id], key=lambda pair: (pair[0], SLOTS.index(pair[1])))
            rows.append(PlayerRow(other, profile, distance_between(me, profile), shared=slots))
    return rows

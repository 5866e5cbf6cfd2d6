"""A player's profile: the empty one every account gets, and edits (a zip resolves offline to
coordinates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, url_for

from app.core.nav import nav_fact
from app.extensions import db
from app.identity.models import User
from app.profiles import geo
from app.profiles.models import TRAITS, Profile

_UNREAD = object()


class ProfileError(Exception):
    """A rule refused the change; the message is for the user, ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _held_profile(user: User) -> Profile | None:
    """``user``'s profile by primary key, held for the rest of the request: the session's
    identity map keeps objects only while something refers to them, so without the hold the
    navigation's greeting and the viewer's time zone would each load it."""
    if not has_request_context():
        return db.session.get(Profile, user.id)
    held = g.setdefault("fairway_profiles", {})
    profile = held.get(user.id)
    if profile is None or profile not in db.session:
        profile = db.session.get(Profile, user.id)
    if profile is not None:
        held[user.id] = profile
    return profile


def display_name(user: User) -> str:
    """The name a player goes by (their username until they set one). One primary-key lookup a
    request, none when the page already loaded the profile."""
    profile = _held_profile(user)
    return (profile.display_name if profile is not None else "") or user.username


def shown_name(username: Any) -> sa.ColumnElement[str]:
    """``display_name`` in SQL, for a statement that outer-joins ``profiles`` to its players:
    the profile's display name, or ``username`` when it is empty or there is no profile."""
    return sa.func.coalesce(sa.func.nullif(Profile.display_name, ""), username)


def home_zip(user: User) -> str | None:
    """The player's home zip (the default of their time zone): for the signed-in player, read
    with the navigation's statement (``home_zip_query``); for another, a primary-key lookup."""
    known = nav_fact(user, "home_zip", default=_UNREAD)
    if known is not _UNREAD:
        return known
    profile = _held_profile(user)
    return profile.zip if profile is not None else None


def home_zip_query(user: User) -> sa.Select[Any]:
    """The home zip as a one-value SELECT, for the navigation to read with its badges."""
    return sa.select(Profile.zip).where(Profile.user_id == user.id)


def display_name_query(user: User) -> sa.Select[Any]:
    """The display name as a one-value SELECT, for the navigation to read with its badges."""
    return sa.select(Profile.display_name).where(Profile.user_id == user.id)


def display_names(user_ids: list[int]) -> dict[int, str]:
    """Display names of many players in one query, for lists (a player without one is missing:
    show the username)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Profile.user_id, Profile.display_name).where(Profile.user_id.in_(set(user_ids)))
    )
    return {user_id: name for user_id, name in rows if name}


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


def join_link(user: User) -> str:
    """Where "join Fairway" on a profile leads: the owner's referral link when the referrals
    area runs in this app, else the plain sign-up page."""
    if "referrals" in current_app.blueprints:
        try:
            from app.referrals.links import referral_link  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            pass
        else:
            return str(referral_link(user))
    return url_for("identity.register")

"""Profile, availability and search forms. Every field is bounded in length and type, and
numbers must be finite: ``1e309`` or ``nan`` get a message, not a crash."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from app.core.forms import bounded_int, strip
from app.profiles import geo
from app.profiles.editing import ProfileChanges
from app.profiles.models import (
    ATTITUDE,
    DEFAULT_RADIUS_MILES,
    DRINKING,
    HANDICAP_MAX,
    HANDICAP_MIN,
    MAX_RADIUS_MILES,
    MOBILITY,
    PACE,
    PLAY_STYLE,
    SLOTS,
    TRAITS,
    WEATHER,
    Profile,
    Trait,
)
from app.profiles.search import Origin

_HANDICAP = re.compile(r"^[+-]?\d{1,2}(?:\.\d)?$")
_NUMBER = re.compile(r"^\d{1,7}(?:\.\d{1,3})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FALSE_VALUES = (False, "false", "", "0", "no", "off")


def _at_most(length: int) -> Length:
    return Length(max=length, message=f"Use at most {length} characters.")


def parse_handicap(text: str) -> float:
    """A handicap from −10 to 54 with at most one decimal; ValueError with a message otherwise."""
    value = text.strip()
    if not _HANDICAP.match(value):
        raise ValueError("A handicap is a number from -10 to 54 with at most one decimal, like 12.4.")
    number = float(value)
    if not (HANDICAP_MIN <= number <= HANDICAP_MAX):
        raise ValueError("A handicap is between -10 and 54.")
    return round(number, 1)


def parse_radius(text: str) -> float:
    """Miles, finite and between 1 and the maximum."""
    value = text.strip()
    if not _NUMBER.match(value):
        raise ValueError(f"The radius is a number of miles from 1 to {MAX_RADIUS_MILES}.")
    number = float(value)
    if not math.isfinite(number) or not (1 <= number <= MAX_RADIUS_MILES):
        raise ValueError(f"The radius is a number of miles from 1 to {MAX_RADIUS_MILES}.")
    return number


def _trait_filter(trait: Trait) -> Any:
    """Accept a trait's code ("walk") or its stored number ("2"); blank means no preference."""

    def normalize(value: Any) -> Any:
        if value is None or value == "":
            return trait.codes[0]
        if isinstance(value, str):
            value = value.strip().lower()
            if value.isdecimal() and int(value) < len(trait.codes):
                return trait.codes[int(value)]
        return value

    return normalize


def trait_field(trait: Trait) -> SelectField:
    return SelectField(
        trait.question,
        choices=[SelectChoice(code, label) for code, label in trait.choices()],
        default=trait.codes[0],
        filters=[_trait_filter(trait)],
        validate_choice=True,
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name", filters=[strip],
        validators=[Length(max=50, message="Display names are at most 50 characters.")],
    )
    bio = TextAreaField(
        "About you", filters=[strip],
        validators=[Length(max=1000, message="Keep it under 1000 characters.")],
    )
    handicap = StringField(
        "Handicap", filters=[strip],
        validators=[Optional(), Length(max=6, message="A handicap is a number like 12.4.")],
    )
    zip = StringField(
        "Home zip code", filters=[strip],
        validators=[Optional(), Length(max=10, message="A zip code is five digits.")],
    )
    radius_miles = StringField(
        "How far you'll travel (miles)", filters=[strip], default=str(DEFAULT_RADIUS_MILES),
        validators=[Optional(), Length(max=5, message="Use a whole number of miles.")],
    )
    drinking = trait_field(DRINKING)
    mobility = trait_field(MOBILITY)
    weather = trait_field(WEATHER)
    pace = trait_field(PACE)
    play_style = trait_field(PLAY_STYLE)
    attitude = trait_field(ATTITUDE)
    left_handed = BooleanField("I play left-handed", false_values=FALSE_VALUES)
    avatar = FileField("Picture (JPEG, PNG, GIF or WebP, up to 5 MB)")
    remove_avatar = BooleanField("Remove my picture", false_values=FALSE_VALUES)

    def validate_handicap(self, field: Field) -> None:
        if field.data:
            try:
                parse_handicap(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    def validate_zip(self, field: Field) -> None:
        if field.data and geo.normalize_zip(field.data) is None:
            raise ValidationError("A zip code is five digits, like 94103.")

    def validate_radius_miles(self, field: Field) -> None:
        if field.data and bounded_int(field.data, 1, MAX_RADIUS_MILES) is None:
            raise ValidationError(f"Use a whole number of miles from 1 to {MAX_RADIUS_MILES}.")

    def trait_values(self) -> dict[str, int]:
        return {trait.name: trait.codes.index(getattr(self, trait.name).data) for trait in TRAITS}

    def changes(self, fallback_name: str) -> ProfileChanges:
        """The validated form as an edit for ``update_profile`` (a blank name falls back)."""
        return ProfileChanges(
            display_name=self.display_name.data or fallback_name,
            bio=self.bio.data or "",
            handicap=float(self.handicap.data) if self.handicap.data else None,
            zip=self.zip.data or "",
            radius_miles=int(self.radius_miles.data or DEFAULT_RADIUS_MILES),
            traits=self.trait_values(),
            left_handed=bool(self.left_handed.data),
        )


def profile_form_data(profile: Profile) -> dict[str, Any]:
    """What the profile form shows for ``profile`` (its current values, in the form's terms)."""
    data: dict[str, Any] = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "handicap": "" if profile.handicap is None else f"{profile.handicap:.1f}",
        "zip": profile.zip or "",
        "radius_miles": str(profile.radius_miles),
        "left_handed": profile.left_handed,
    }
    data.update({trait.name: trait.code(getattr(profile, trait.name)) for trait in TRAITS})
    return data


class AvailabilityForm(FlaskForm):
    day: dt.date | None = None
    date = StringField("Date", filters=[strip], validators=[Length(max=10, message="Use YYYY-MM-DD.")])
    slot = SelectField("Slot", choices=[SelectChoice(slot) for slot in SLOTS], validate_choice=True)
    remove = BooleanField("Remove", false_values=FALSE_VALUES)

    def validate_date(self, field: Field) -> None:
        self.day = parse_day(field.data or "")

    def validate_slot(self, field: Field) -> None:
        if field.data not in SLOTS:
            raise ValidationError("Pick morning, midday or twilight.")


def parse_day(text: str) -> dt.date:
    if not _DATE.match(text):
        raise ValidationError("Give the date as YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError("That date doesn't exist.") from None


class NearbySearchForm(FlaskForm):
    """A query string that looks near a zip code within a radius, page by page (no CSRF: it
    changes nothing). Player search and course search build on it."""

    class Meta:
        csrf = False

    place: geo.Place | None = None
    radius_value: float | None = None
    q: Any  # each search names its own text box

    near = StringField("Near zip", filters=[strip], validators=[_at_most(10)])
    radius = StringField("Within (miles)", filters=[strip], validators=[_at_most(12)])
    page = StringField("Page", filters=[strip], validators=[_at_most(6)])

    def validate_near(self, field: Field) -> None:
        if field.data:
            self.place = geo.place_for_zip(field.data)
            if self.place is None:
                raise ValidationError(f"We don't know the zip code {field.data!r}.")

    def validate_radius(self, field: Field) -> None:
        if field.data:
            try:
                self.radius_value = parse_radius(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    def validate_page(self, field: Field) -> None:
        if field.data and bounded_int(field.data, 1, 10_000) is None:
            raise ValidationError("Pages are numbered from 1.")

    def search_area(self, home: Profile) -> tuple[Origin | None, float | None] | None:
        """Where to search and how far: around the zip given (the default radius), else around
        the player's home zip (their own radius, unless a text query looks everywhere). None,
        with the reason on ``near``, when a radius has no place to be measured from."""
        origin: Origin | None = None
        place = self.place
        if place is not None:
            origin = Origin(place.latitude, place.longitude, f"{place.zip} ({place.city})")
        elif home.latitude is not None and home.longitude is not None:
            origin = Origin(home.latitude, home.longitude, "your home zip")
        radius = self.radius_value
        if radius is None and place is not None:
            radius = float(DEFAULT_RADIUS_MILES)
        elif radius is None and origin is not None and not self.q.data:
            radius = float(home.radius_miles)
        if radius is not None and origin is None:
            self.near.errors.append("Give a zip code to search around, or set your home zip on your profile.")
            return None
        return origin, radius


class SearchForm(NearbySearchForm):
    """The query string of ``GET /players``."""

    handicap_min_value: float | None = None
    handicap_max_value: float | None = None

    q = StringField("Name", filters=[strip], validators=[_at_most(50)])
    handicap_min = StringField("Handicap from", filters=[strip], validators=[_at_most(6)])
    handicap_max = StringField("Handicap to", filters=[strip], validators=[_at_most(6)])
    mobility = trait_field(MOBILITY)
    drinking = trait_field(DRINKING)

    def validate_handicap_min(self, field: Field) -> None:
        self.handicap_min_value = self._handicap(field)

    def validate_handicap_max(self, field: Field) -> None:
        self.handicap_max_value = self._handicap(field)
        low = self.handicap_min_value
        if low is not None and self.handicap_max_value is not None and low > self.handicap_max_value:
            raise ValidationError("The upper handicap must not be below the lower one.")

    def trait_index(self, name: str) -> int:
        """The stored number of a trait filter (0: any)."""
        trait = next(t for t in TRAITS if t.name == name)
        return trait.codes.index(getattr(self, name).data)

    @staticmethod
    def _handicap(field: Field) -> float | None:
        if not field.data:
            return None
        try:
            return parse_handicap(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class MatchForm(FlaskForm):
    class Meta:
        csrf = False

    page = StringField("Page", filters=[strip], validators=[_at_most(6)])

    def validate_page(self, field: Field) -> None:
        if field.data and bounded_int(field.data, 1, 10_000) is None:
            raise ValidationError("Pages are numbered from 1.")

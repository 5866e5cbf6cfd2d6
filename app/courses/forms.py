"""Course forms. Every field is bounded in length and type; bad input gets a message."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import bounded_int, strip, upper
from app.courses.models import CITY_MAX, CONTACT_MAX, HOLES_MAX, HOLES_MIN, NAME_MAX, NOTES_MAX, WEBSITE_MAX
from app.courses.services import CourseDetails
from app.profiles import geo
from app.profiles.forms import NearbySearchForm

__all__ = ["CourseForm", "CourseSearchForm", "AdminCourseSearchForm"]

_STATE = re.compile(r"^[A-Z]{2}$")
_WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _at_most(length: int) -> Length:
    return Length(max=length, message=f"Use at most {length} characters.")


def _validate_page(field: Field) -> None:
    if field.data and bounded_int(field.data, 1, 10_000) is None:
        raise ValidationError("Pages are numbered from 1.")


class CourseForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired(message="Give the course a name."),
        Length(min=2, max=NAME_MAX, message=f"A name is 2 to {NAME_MAX} characters."),
    ])
    zip = StringField("Zip code", filters=[strip], validators=[_at_most(10)])
    city = StringField("City (when there is no zip code)", filters=[strip], validators=[_at_most(CITY_MAX)])
    state = StringField("State", filters=[upper], validators=[_at_most(2)])
    holes = IntegerField("Holes", default=18, validators=[
        InputRequired(message="How many holes?"),
        NumberRange(min=HOLES_MIN, max=HOLES_MAX, message=f"Between {HOLES_MIN} and {HOLES_MAX} holes."),
    ])
    par = IntegerField("Par", validators=[Optional()])
    website = StringField("Website", filters=[strip], validators=[_at_most(WEBSITE_MAX)])
    contact = StringField(
        "Booking contact (phone or email)", filters=[strip], validators=[_at_most(CONTACT_MAX)]
    )
    notes = TextAreaField("Notes", filters=[strip], validators=[_at_most(NOTES_MAX)])

    def validate_zip(self, field: Field) -> None:
        if field.data and geo.normalize_zip(field.data) is None:
            raise ValidationError("A zip code is five digits, like 94132.")
        if not field.data and not (self.city.data and self.state.data):
            raise ValidationError("Give the zip code, or the city and state.")

    def validate_state(self, field: Field) -> None:
        if field.data and not _STATE.match(field.data):
            raise ValidationError("Use the two-letter state code, like CA.")

    def validate_par(self, field: Field) -> None:
        holes = self.holes.data
        if field.data is not None and isinstance(holes, int) and not (2 * holes <= field.data <= 7 * holes):
            raise ValidationError(f"Par for {holes} holes is between {2 * holes} and {7 * holes}.")

    def validate_website(self, field: Field) -> None:
        if field.data and not _WEBSITE.match(field.data):
            raise ValidationError("A website starts with http:// or https://.")

    def details(self) -> CourseDetails:
        return CourseDetails(
            name=self.name.data, zip=self.zip.data or "", city=self.city.data or "",
            state=self.state.data or "", holes=self.holes.data, par=self.par.data,
            website=self.website.data or "", contact=self.contact.data or "", notes=self.notes.data or "",
        )


class CourseSearchForm(NearbySearchForm):
    """The query string of ``GET /courses``."""

    q = StringField("Name or town", filters=[strip], validators=[_at_most(60)])


class AdminCourseSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Name or town", filters=[strip], validators=[_at_most(60)])
    page = StringField("Page", filters=[strip], validators=[_at_most(6)])

    def validate_page(self, field: Field) -> None:
        _validate_page(field)

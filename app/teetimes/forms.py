"""Tee-time forms. Every field is bounded in length and type."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import ActionForm, strip
from app.courses.services import course_choices
from app.profiles.forms import parse_day
from app.profiles.models import SLOT_HOURS, SLOTS
from app.teetimes.models import MAX_POST, MAX_SPOTS, VISIBILITIES, VISIBILITY_LABELS

__all__ = ["ActionForm", "TeeTimeForm", "ThreadPostForm"]

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class TeeTimeForm(FlaskForm):
    day: dt.date | None = None
    exact: dt.time | None = None

    catalog_course = SelectField("Course from the catalog", choices=[], default="", validate_choice=True)

    course = StringField(
        "Course", filters=[strip],
        validators=[
            Optional(),
            Length(min=2, max=100, message="A course name is 2 to 100 characters."),
        ],
    )
    date = StringField(
        "Date (YYYY-MM-DD)", filters=[strip],
        validators=[DataRequired(message="Which day?"), Length(max=10, message="Use YYYY-MM-DD.")],
    )
    slot = SelectField(
        "Slot",
        choices=[SelectChoice("", "Exact time below")]
        + [SelectChoice(slot, f"{slot.capitalize()} ({SLOT_HOURS[slot]})") for slot in SLOTS],
        default="morning",
        validate_choice=True,
    )
    time = StringField(
        "Exact tee time (HH:MM, course time)", filters=[strip],
        validators=[Length(max=5, message="Use HH:MM, like 07:30.")],
    )
    spots = IntegerField(
        "Open spots", default=3,
        validators=[
            InputRequired(message="How many spots are open?"),
            NumberRange(min=1, max=MAX_SPOTS, message=f"From 1 to {MAX_SPOTS} open spots."),
        ],
    )
    note = TextAreaField(
        "Note", filters=[strip], validators=[Length(max=500, message="Keep the note under 500 characters.")]
    )
    visibility = SelectField(
        "Who can join",
        choices=[SelectChoice(code, VISIBILITY_LABELS[code]) for code in VISIBILITIES],
        default="link",
        validate_choice=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalog_course.choices = [SelectChoice("", "Not in the catalog: type it below")] + [
            SelectChoice(str(course_id), label) for course_id, label in course_choices()
        ]

    @property
    def course_id(self) -> int | None:
        return int(self.catalog_course.data) if self.catalog_course.data else None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.course.data and not self.catalog_course.data:
            self.course.errors = [*self.course.errors,
                                  "Which course are you playing? Pick it from the catalog or type its name."]
            return False
        return valid

    def validate_date(self, field: Field) -> None:
        self.day = parse_day(field.data or "")

    def validate_time(self, field: Field) -> None:
        if not field.data:
            if not self.slot.data:
                raise ValidationError("Pick a slot or give an exact tee time.")
            return
        match = _TIME.match(field.data)
        if not match:
            raise ValidationError("Use HH:MM on a 24-hour clock, like 07:30 or 16:10.")
        self.exact = dt.time(int(match.group(1)), int(match.group(2)))


class ThreadPostForm(FlaskForm):
    body = TextAreaField(
        "Write to the players", filters=[strip],
        validators=[
            DataRequired(message="Write something first."),
            Length(min=1, max=MAX_POST, message=f"A post is 1 to {MAX_POST} characters."),
        ],
    )

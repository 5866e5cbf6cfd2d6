"""Home forms. The onboarding cards reuse the profile form itself, showing a few of its fields."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import Field, StringField
from wtforms.validators import Length, ValidationError

from app.core.forms import bounded_int
from app.home.services import ONBOARDING
from app.profiles.forms import ProfileForm, profile_form_data
from app.profiles.models import Profile

__all__ = ["PageForm", "step_form", "posted_step_form"]


class PageForm(FlaskForm):
    class Meta:
        csrf = False

    page = StringField("Page", validators=[Length(max=6)])

    def validate_page(self, field: Field) -> None:
        if field.data and bounded_int(field.data, 1, 10_000) is None:
            raise ValidationError("Pages are numbered from 1.")


def step_form(profile: Profile) -> ProfileForm:
    """The profile form filled with the player's current values (the card shows some fields)."""
    return ProfileForm(data=profile_form_data(profile))


def posted_step_form(profile: Profile, step: str) -> ProfileForm:
    """The profile form as the card posted it: the card's fields from the request, every other
    field as the profile holds it now, so saving one card never clears another."""
    shown = ONBOARDING[step].fields
    values: MultiDict[str, str] = MultiDict()
    for name, value in profile_form_data(profile).items():
        if name in shown:
            continue
        if isinstance(value, bool):
            if value:
                values.add(name, "y")
        else:
            values.add(name, str(value))
    for name in (*shown, "csrf_token"):
        for value in request.form.getlist(name):
            values.add(name, value)
    files = request.files if step == "avatar" else MultiDict()
    return ProfileForm(formdata=CombinedMultiDict([files, values]))

"""Messaging forms. Every field is bounded in length."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.core.forms import lower, strip
from app.messaging.models import BODY_MAX


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Message", filters=[strip],
        validators=[
            DataRequired(message="Write something first."),
            Length(min=1, max=BODY_MAX, message=f"A message is 1 to {BODY_MAX} characters."),
        ],
    )


def _no_at(value: str | None) -> str | None:
    """``@bob`` as people write a handle: the username is ``bob``."""
    return value.removeprefix("@") if value else value


class StartForm(FlaskForm):
    """The inbox's "New message" box: whom to write to (``GET /messages?to=``; no CSRF, it
    only leads to the conversation). The view then asks whether that player exists and may be
    reached."""

    class Meta:
        csrf = False

    to = StringField(
        "To", filters=[strip, _no_at, lower], render_kw={"list": "following-names", "autocomplete": "off"},
        validators=[
            DataRequired(message="Type the username of the player to write to."),
            Length(min=3, max=30, message="A username is 3 to 30 characters."),
            Regexp(r"^[a-z0-9_]+$", message="A username has only letters, digits and underscores."),
        ],
    )

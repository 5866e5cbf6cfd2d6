"""Messaging forms. Every field is bounded in length."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import strip
from app.messaging.models import BODY_MAX


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Message", filters=[strip],
        validators=[
            DataRequired(message="Write something first."),
            Length(min=1, max=BODY_MAX, message=f"A message is 1 to {BODY_MAX} characters."),
        ],
    )

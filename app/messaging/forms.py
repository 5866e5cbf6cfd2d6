"""Messaging forms. Every field is bounded in length."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.messaging.models import BODY_MAX


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Message", filters=[_strip],
        validators=[
            DataRequired(message="Write something first."),
            Length(min=1, max=BODY_MAX, message=f"A message is 1 to {BODY_MAX} characters."),
        ],
    )

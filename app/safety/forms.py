"""The privacy form. Choices are closed lists; anything else is a 422 with a message."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField

MESSAGES_FROM_CHOICES = [
    SelectChoice("everyone", "Everyone"),
    SelectChoice("following", "Only players I follow"),
    SelectChoice("nobody", "Nobody (conversations already started go on)"),
]
VISIBILITY_CHOICES = [
    SelectChoice("public", "Anyone, signed in or not"),
    SelectChoice("members", "Fairway members only (visitors see a join link)"),
]


class PrivacyForm(FlaskForm):
    messages_from = SelectField("Who may start a conversation with me", choices=MESSAGES_FROM_CHOICES,
                                validate_choice=True)
    show_distance = BooleanField("Show other players how far away I live (off: they see \"nearby\")")
    profile_visibility = SelectField("Who may see my profile", choices=VISIBILITY_CHOICES,
                                     validate_choice=True)

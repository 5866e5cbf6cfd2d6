"""Referral forms. Every field is bounded in length and type."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.clock import utcnow
from app.core.forms import ActionForm, lower, strip
from app.identity.forms import EMAIL_RULES, disposable_domain

__all__ = ["ActionForm", "FriendInviteForm", "InviteForm", "InviteNextForm", "WaitlistForm"]

MAX_USES = 10_000
MAX_COUNT = 500


class InviteForm(FlaskForm):
    uses = IntegerField(
        "Uses per code", default=1,
        validators=[
            DataRequired(message="How many sign-ups may each code make?"),
            NumberRange(min=1, max=MAX_USES, message=f"Between 1 and {MAX_USES}."),
        ],
    )
    expires = DateField("Expires after (YYYY-MM-DD)", format="%Y-%m-%d", validators=[Optional()])
    email = StringField(
        "Only for this email", filters=[lower],
        validators=[Optional(), Length(max=254), Email(message="Enter a valid email address.",
                                                       check_deliverability=False)],
    )
    note = StringField("Note", filters=[strip], validators=[Optional(), Length(max=200)])
    count = IntegerField(
        "How many codes", default=1,
        validators=[
            DataRequired(message="How many codes?"),
            NumberRange(min=1, max=MAX_COUNT, message=f"Between 1 and {MAX_COUNT}."),
        ],
    )

    def validate_expires(self, field: DateField) -> None:
        if field.data is not None and field.data < utcnow().date():
            raise ValidationError("That day has passed.")

    def validate_count(self, field: IntegerField) -> None:
        if self.email.data and field.data not in (None, 1):
            raise ValidationError("A code bound to an address is made one at a time.")


class WaitlistForm(FlaskForm):
    email = StringField("Email", filters=[lower], validators=EMAIL_RULES)


class InviteNextForm(FlaskForm):
    """The admin's "invite the next N" on the waitlist."""

    count = IntegerField(
        "How many", default=10,
        validators=[
            DataRequired(message="How many addresses?"),
            NumberRange(min=1, max=MAX_COUNT, message=f"Between 1 and {MAX_COUNT}."),
        ],
    )


class FriendInviteForm(FlaskForm):
    """A player mails their referral link and a note to a friend."""

    email = StringField("Your friend's email", filters=[lower], validators=EMAIL_RULES)
    note = TextAreaField(
        "A note (optional)", filters=[strip],
        validators=[Optional(), Length(max=500, message="At most 500 characters.")],
    )

    def validate_email(self, field: StringField) -> None:
        if disposable_domain(field.data or ""):
            raise ValidationError("Disposable email addresses can't be invited.")

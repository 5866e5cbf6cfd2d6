"""Identity forms. Every field is bounded in length and type."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from app.core import zones
from app.core.forms import lower, strip
from app.identity.passwords import MAX_LENGTH, password_problem

USERNAME_RULES = [
    DataRequired(message="Choose a username."),
    Length(min=3, max=30, message="Usernames are 3 to 30 characters."),
    Regexp(r"^[a-z0-9_]+$", message="Use only letters, digits and underscores."),
]
EMAIL_RULES = [
    DataRequired(message="Enter your email address."),
    Length(max=254, message="That address is too long."),
    Email(message="Enter a valid email address.", check_deliverability=False),
]


def disposable_domain(address: str) -> bool:
    """Whether the address is at a throwaway mail domain (when ``DISPOSABLE_EMAIL_CHECK`` is on)."""
    if not current_app.config["DISPOSABLE_EMAIL_CHECK"]:
        return False
    from disposable_email_domains import blocklist

    domain = address.rpartition("@")[2].lower()
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))


class NewPasswordMixin:
    """Checks the ``password`` field against the policy (length, common passwords)."""

    def validate_password(self, field: PasswordField) -> None:
        username = getattr(getattr(self, "username", None), "data", None) or ""
        email = getattr(getattr(self, "email", None), "data", None) or ""
        problem = password_problem(field.data or "", username=username, email=email)
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    username = StringField("Username", filters=[lower], validators=USERNAME_RULES)
    email = StringField("Email", filters=[lower], validators=EMAIL_RULES)
    password = PasswordField("Password", validators=[DataRequired(message="Choose a password.")])
    invite_code = StringField(
        "Invite or referral code", filters=[strip], validators=[Optional(), Length(max=64)]
    )

    def validate_email(self, field: StringField) -> None:
        if disposable_domain(field.data or ""):
            raise ValidationError("Disposable email addresses can't be used; use your own address.")


class LoginForm(FlaskForm):
    login = StringField(
        "Username or email",
        filters=[strip],
        validators=[DataRequired(message="Enter your username or email."), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(message="Enter your password."), Length(max=MAX_LENGTH)],
    )
    remember = BooleanField("Keep me signed in")


class EmailOnlyForm(FlaskForm):
    email = StringField("Email", filters=[lower], validators=EMAIL_RULES)


class NewPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(message="Choose a password.")])


class UsernameForm(FlaskForm):
    username = StringField("Username", filters=[lower], validators=USERNAME_RULES)


class ChangeEmailForm(FlaskForm):
    email = StringField("New email", filters=[lower], validators=EMAIL_RULES)
    password = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your password."), Length(max=MAX_LENGTH)]
    )

    def validate_email(self, field: StringField) -> None:
        if disposable_domain(field.data or ""):
            raise ValidationError("Disposable email addresses can't be used; use your own address.")


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Enter your current password."), Length(max=MAX_LENGTH)],
    )
    password = PasswordField("New password", validators=[DataRequired(message="Choose a password.")])


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        "Password", validators=[DataRequired(message="Enter your password."), Length(max=MAX_LENGTH)]
    )


class TimezoneForm(FlaskForm):
    """The zone times are shown in: common zones first (and the player's own when it is not one of
    them); ``every_zone`` adds every IANA zone of a region (the page of its own that lists them,
    so /settings stays light); empty means "from my home zip". Any other value is refused with a
    message (422), not a 500."""

    timezone = SelectField("Time zone", filters=[strip], validate_choice=False)

    def __init__(self, *args: object, automatic: str = "UTC", every_zone: bool = False,
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        common = list(zones.COMMON_ZONES)
        choices: dict[str, list[tuple[str, str]]] = {"Default": [("", automatic)], "Common": common}
        chosen = self.timezone.data
        if chosen and zones.zone_named(chosen) and chosen not in dict(common):
            choices["Yours"] = [(chosen, chosen.replace("_", " "))]
        if every_zone:
            choices["All time zones"] = [
                (name, name.replace("_", " ")) for name in zones.region_zone_names()
            ]
        self.timezone.choices = choices

    def validate_timezone(self, field: SelectField) -> None:
        if len(field.data or "") > 64 or (field.data and zones.zone_named(field.data) is None):
            raise ValidationError(
                "That is not a time zone we know. Pick one from the list, such as America/New_York."
            )

"""Admin forms: the filters of the list pages (GET, no CSRF). Every field is bounded."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from app.core.forms import ActionForm, strip
from app.identity.models import OUTCOMES
from app.outbox.models import FAILED, PENDING, SENT

__all__ = ["ActionForm", "AuditFilterForm", "JobsFilterForm", "LoginFilterForm", "UserSearchForm"]

MAX_PAGE = 100_000


class _PagedForm(FlaskForm):
    class Meta:
        csrf = False

    page = IntegerField(
        "Page", default=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_PAGE, message=f"Pages run from 1 to {MAX_PAGE}.")],
    )

    @property
    def page_number(self) -> int:
        return self.page.data or 1


class UserSearchForm(_PagedForm):
    q = StringField("Username or email", filters=[strip], validators=[Length(max=254)])


class LoginFilterForm(_PagedForm):
    user = StringField("Username or email", filters=[strip], validators=[Length(max=254)])
    outcome = SelectField(
        "Outcome", default="",
        choices=[SelectChoice("", "Any outcome")] + [SelectChoice(o, o.replace("_", " ")) for o in OUTCOMES],
    )


class JobsFilterForm(_PagedForm):
    status = SelectField(
        "Status", default="",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s) for s in (PENDING, FAILED, SENT)],
    )


class AuditFilterForm(_PagedForm):
    pass

"""What every area's forms share: input filters and the form of a bare POST."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """A POST with nothing but its CSRF token (follow, log out, rotate a link, ...)."""

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


def bounded_int(text: str | None, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, or None when it is not one. The
    length is checked before ``int()``: Python refuses to convert over 4,300 digits (a
    ValueError), and a page or a radius that long is simply out of range."""
    if not text or not text.isascii() or not text.isdecimal() or len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None

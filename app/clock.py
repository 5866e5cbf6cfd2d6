"""One source of 'now', naive UTC, so every backend stores and compares the same way."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (the form every column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)

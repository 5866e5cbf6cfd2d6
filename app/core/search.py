"""Text search shared by every list with a ``q`` box."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def contains(q: str, *columns: Any) -> sa.ColumnElement[bool]:
    """Any of ``columns`` (lower-case text) contains ``q``, its ``%``, ``_`` and ``\\`` taken
    literally."""
    text = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(*(column.like(f"%{text}%", escape="\\") for column in columns))

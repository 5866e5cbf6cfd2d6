"""URL converters shared by every area."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

#: the largest id a route accepts; larger numbers are not ids (and overflow SQLite's INTEGER)
MAX_ID = 2**62


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to what a database id can be, so a huge number is a 404."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

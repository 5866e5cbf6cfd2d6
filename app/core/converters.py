"""Ids in URLs, shared by every area: the ``<int:...>`` path converter and the query arguments
that name an id (``?before=``), both bounded by the id columns they reach."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

#: The largest id there can be: every id column is an ``INTEGER`` (32-bit signed on PostgreSQL,
#: ``tests/security/test_ids.py`` checks), and a larger number sent to one is a database error.
MAX_ID = 2**31 - 1


def digits_at_most(limit: int) -> str:
    """A regular expression for the whole numbers from 0 to ``limit`` (leading zeros allowed):
    fewer digits than ``limit``, or as many and below it from some digit on, or ``limit``."""
    text = str(limit)
    forms = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            forms.append(f"{text[:i]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    forms.append(text)
    return "0*(?:" + "|".join(forms) + ")"


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to what a database id can be, so a larger number never reaches a
    query. The bound is in the pattern itself: a rule whose converter merely refused the value
    would still count as matched for its path, and a path with a GET and a POST rule (``@bp.get``
    + ``@bp.post``) would answer 405 instead of 404."""

    regex = digits_at_most(MAX_ID)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(name: str) -> int | None:
    """The id in query argument ``name``, or None when it is absent or empty. Not a positive
    whole number: 422 (malformed); beyond ``MAX_ID``: 404, like a path id no row can have."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdecimal() or len(value) > 30 or int(value) < 1:
        abort(422)
    if int(value) > MAX_ID:
        abort(404)
    return int(value)

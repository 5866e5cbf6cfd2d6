"""Pieces every area's views share: rate limits read from the settings, numeric query
arguments, and the plain refusal page."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, render_template, request

from app.core.forms import bounded_int

#: Highest page number a list accepts (deeper pages are refused, not computed).
MAX_PAGE = 10_000


def limit_setting(name: str) -> Callable[[], str]:
    """A rate limit for ``@limiter.limit`` read from the settings at request time, so tests and
    operators change it without re-importing the views."""
    return lambda: str(current_app.config[name])


def positive_arg(name: str, default: int | None, most: int = 2**62) -> int | None:
    """The query argument ``name`` as a whole number from 1 to ``most``; ``default`` when it is
    absent or empty; anything else is a 422."""
    value = request.args.get(name)
    if value is None or value == "":
        return default
    number = bounded_int(value, 1, most)
    if number is None:
        abort(422)
    return number


def page_arg() -> int:
    """``?page=``: 1 when absent, a 422 when it is not a page from 1 to ``MAX_PAGE``."""
    return positive_arg("page", 1, MAX_PAGE) or 1


def refused(code: int, message: str) -> tuple[str, int]:
    """The error page with ``message``, for an action a rule refused."""
    return render_template("errors/error.html", code=code, message=message), code


def wants_fragment() -> bool:
    """Whether htmx sent this request (``HX-Request: true``): it swaps the answer into the page
    in place, so an action answers 200 with the fragment instead of a 303 to the full page."""
    return request.headers.get("HX-Request") == "true"

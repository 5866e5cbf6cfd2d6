"""Error pages: HTML for pages, JSON for ``/api/`` routes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, make_response, render_template, request, url_for
from flask.globals import request_ctx
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from app.core.transactions import Busy, is_retryable
from app.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: "That request didn't make sense to us. If you were sending a form, reload the page and try again.",
    401: "Please sign in first.",
    403: "You don't have access to that page.",
    404: "We couldn't find that page.",
    405: "That page can't be used that way.",
    413: "That upload is too large.",
    422: "Some of what you sent isn't valid.",
    429: "That's too many tries in a short time. Wait a little and try again.",
    500: "Something went wrong on our side. Please try again shortly.",
}

BUSY = "Fairway is very busy right now and nothing was saved. Please try again."
UNAVAILABLE = (
    "Fairway can't reach one of its services right now. Please try again in a minute. "
    "If you were signing up or saving something, it may already be saved: sign in to check."
)
#: failures of a backing service (Redis holds sessions, limits and queues) rather than of our code
SERVICE_DOWN = (RedisConnectionError, RedisTimeoutError)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _urls_work() -> bool:
    """False when the request has no URL adapter: Flask could not bind its Host header (a
    ``BadHost`` such as ``a..b`` or a label over 63 characters, refused with a 400), so
    ``url_for``, and with it every page built on ``base.html``, has nothing to build with."""
    return request_ctx.url_adapter is not None


def _standalone_page(code: int, message: str) -> str:
    """An error page that needs neither the session nor ``url_for``: rendered without the
    context processors (which load the user), with plain paths when URLs cannot be built."""
    urls = _urls_work()
    page = current_app.jinja_env.get_template("errors/standalone.html")
    return page.render(
        code=code, message=message,
        home=url_for("core.home") if urls else "/",
        stylesheet=url_for("static", filename="style.css") if urls else "/static/style.css",
        icon=url_for("static", filename="favicon.svg") if urls else "/static/favicon.svg",
    )


def render_error(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    message = MESSAGES.get(code, description or "Something went wrong.")
    if _wants_json():
        response = jsonify({"error": message})
        response.headers["Cache-Control"] = "no-store"
        return response, code
    if not _urls_work():
        return _standalone_page(code, message), code
    return render_template("errors/error.html", code=code, message=message), code


def render_unavailable(message: str = UNAVAILABLE):  # type: ignore[no-untyped-def]
    """503 while a backing service is down or too busy. The page stands alone: the session
    may be the very thing that could not be loaded, so nothing here may touch it."""
    if _wants_json():
        response = jsonify({"error": message})
        response.headers["Cache-Control"] = "no-store"
    else:
        response = make_response(_standalone_page(503, message))
    response.status_code = 503
    response.headers["Retry-After"] = "30"
    return response


def answer_if_service_down_after(answer: Callable[[], Response]) -> None:
    """For a view that has saved what it did (committed) before a backing service fails later in
    the request (its session is saved after the view): ``answer()`` replaces the 503 "try
    again" page, which would be wrong about something that did happen (a sign-up)."""
    g.answer_if_service_down_after = answer


def register_errorhandlers(app: Flask) -> None:
    def handle_http(error: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(error.code or 500, error.description)

    def handle_unexpected(error: Exception):  # type: ignore[no-untyped-def]
        if isinstance(error, HTTPException):
            return handle_http(error)
        db.session.rollback()
        if isinstance(error, Busy) or is_retryable(error):
            log.warning("gave up on %s %s: %s", request.method, request.path, error)
            return render_unavailable(BUSY)
        if isinstance(error, SERVICE_DOWN):
            log.warning("service down on %s %s: %s", request.method, request.path, error)
            return render_unavailable()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    def handle_server_error(error: InternalServerError):  # type: ignore[no-untyped-def]
        # Reached for failures outside the view: opening or saving the session, the commit.
        if is_retryable(error.original_exception):
            return render_unavailable(BUSY)
        if isinstance(error.original_exception, SERVICE_DOWN):
            log.warning("service down on %s %s: %s", request.method, request.path, error.original_exception)
            answer = g.pop("answer_if_service_down_after", None)
            return answer() if answer is not None else render_unavailable()
        return render_error(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(InternalServerError, handle_server_error)

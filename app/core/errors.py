"""Error pages: HTML for pages, JSON for ``/api/`` routes."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

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


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, description: str | None = None):  # type: ignore[no-untyped-def]
    message = MESSAGES.get(code, description or "Something went wrong.")
    if _wants_json():
        response = jsonify({"error": message})
        response.headers["Cache-Control"] = "no-store"
        return response, code
    return render_template("errors/error.html", code=code, message=message), code


def register_errorhandlers(app: Flask) -> None:
    def handle_http(error: HTTPException):  # type: ignore[no-untyped-def]
        return render_error(error.code or 500, error.description)

    def handle_unexpected(error: Exception):  # type: ignore[no-untyped-def]
        if isinstance(error, HTTPException):
            return handle_http(error)
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
    app.register_error_handler(InternalServerError, lambda e: render_error(500))

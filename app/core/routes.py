"""Health check, and the name of the front page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import bp
from app.core.nav import badge_counts
from app.extensions import db
from app.jobs import redis_connection

# The front page belongs to the home area (``home.index``); this build-only rule keeps the
# name every template and redirect uses, ``url_for("core.home")``, pointing at it.
bp.add_url_rule("/", "home", build_only=True)


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Database and Redis reachability: 200 when every configured part answers, else 503."""
    status = {"status": "ok", "db": "ok", "redis": "disabled"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database")
        status["db"] = "down"
    connection = redis_connection()
    if connection is not None:
        try:
            connection.ping()
            status["redis"] = "ok"
        except Exception:
            status["redis"] = "down"
    healthy = status["db"] == "ok" and status["redis"] in {"ok", "disabled"}
    if not healthy:
        status["status"] = "down"
    response = jsonify(status)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if healthy else 503


@bp.get("/api/badges")
def badges() -> Response | tuple[Response, int]:
    """The nav's unread counts as JSON, polled by open pages (``static/app.js``): one statement,
    and 304 when the ``ETag`` the page holds still matches, so a quiet poll sends no body."""
    if not current_user.is_authenticated:
        return jsonify(error="sign in first"), 401
    response = jsonify(badge_counts(current_user))
    response.add_etag()
    return response.make_conditional(request)

"""Fairway: find golf partners near you."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response

from app import jobs
from app.config import engine_options, load_settings
from app.extensions import (
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
    sqlite_transactions,
)

AREAS = (
    "core", "identity", "profiles", "referrals", "following", "messaging", "notifications", "admin",
    "teetimes", "home", "courses", "ops", "safety",
)

def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top (tests)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    from app.core.logs import MaskSecrets

    if not app.debug and not app.testing:
        if app.config["LOG_FORMAT"] == "json":
            from app.ops.logs import use_json_logs

            use_json_logs()
        else:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    werkzeug_log = logging.getLogger("werkzeug")  # the development server's access log
    if not any(isinstance(f, MaskSecrets) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(MaskSecrets())


def register_extensions(app: Flask) -> None:
    from app.core import sessions as _sessions  # noqa: F401  (tables every area uses)
    from app.identity import models as _identity_models  # noqa: F401
    from app.outbox import models as _outbox_models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sqlite_transactions(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    from app.core import assets

    assets.init_app(app)
    # Flask runs after-request functions last registered first: this one sees the limiter's headers.
    app.after_request(retry_after_only_when_refused)
    limiter.init_app(app)
    jobs.init_app(app)
    from app.core.sessions import DatabaseSessionInterface, RedisSessions

    if app.config["SESSION_TYPE"] == "redis":
        app.config["SESSION_REDIS"] = jobs.redis_connection(app)
        app.session_interface = RedisSessions(app)
    else:
        app.session_interface = DatabaseSessionInterface(app)

    from app.identity.models import AnonymousUser
    from app.identity.services import user_by_session_token

    login_manager.init_app(app)
    login_manager.login_view = "identity.login"
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(user_by_session_token)

    @login_manager.unauthorized_handler
    def unauthorized() -> Response | tuple[Response, int]:
        if request.path.startswith("/api/"):
            response = jsonify({"error": "unauthorized"})
            response.headers["Cache-Control"] = "no-store"
            return response, 401
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("identity.login", next=target))


def retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter writes ``Retry-After`` on every answer of a limited route. On a redirect it
    asks the browser to wait that long before following it (RFC 9110, 10.2.3): a sign-up's 303
    said "an hour". It belongs only to answers that refuse for now, 429 and 503."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from app.core.converters import IdConverter

    app.url_map.converters["int"] = IdConverter
    for area in AREAS:
        app.register_blueprint(import_module(f"app.{area}").bp)


def register_errorhandlers(app: Flask) -> None:
    from app.core.errors import register_errorhandlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    """One commit per request: kept when the answer is a success or a redirect, dropped
    otherwise; security headers on every answer (``app/core/headers.py``)."""
    from app.core.headers import register_security_headers

    register_security_headers(app)

    @app.before_request
    def refuse_nul_characters() -> None:
        """No one types a NUL character, and PostgreSQL refuses to store or compare one: a
        request carrying one anywhere (path, query, form) is malformed, so it gets a 400."""
        if "\x00" in request.path or b"%00" in request.query_string or b"\x00" in request.query_string:
            abort(400)
        if request.method == "POST" and any(
            "\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)
        ):
            abort(400)

    @app.after_request
    def finish_transaction(response: Response) -> Response:
        if not db.session.registry.has():  # the request never touched the database
            return response
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.context_processor
    def navigation() -> dict[str, Any]:
        from flask_login import current_user

        from app.core.nav import nav_context

        context = nav_context(app, current_user)
        context["registration_mode"] = app.config["REGISTRATION_MODE"]
        return context


def register_commands(app: Flask) -> None:
    from app.identity.cli import users_cli
    from app.outbox.cli import jobs_cli, outbox_cli, worker
    from app.referrals.cli import invites_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(invites_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker)

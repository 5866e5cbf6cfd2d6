"""Operations: Prometheus metrics (``/metrics``), structured logs and the admin's System page.

Other areas are not edited to be measured: sign-ups, verifications and referral credits are
heard through their signals, invites, referrals and points through the ORM's inserts, and
the click buffer reports what it hands on. ``METRICS_TOKEN`` unset means no series are kept
and ``/metrics`` answers 404.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from app.identity.signals import email_verified, user_registered
from app.ops import logs, metrics
from app.referrals.signals import code_minted, referral_verified

bp = Blueprint("ops", __name__)

from app.ops import routes  # noqa: E402,F401

user_registered.connect(metrics.on_user_registered)
email_verified.connect(metrics.on_email_verified)
referral_verified.connect(metrics.on_referral_verified)
code_minted.connect(metrics.on_code_minted)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    measure = metrics.enabled(app)
    json_logs = app.config["LOG_FORMAT"] == "json"
    if measure:
        metrics.bind_sessions()
    if not (measure or json_logs):
        return  # nothing on the request path at all

    @app.before_request
    def start_clock() -> None:
        metrics.start_clock()

    @app.after_request
    def measure_request(response: Response) -> Response:
        """Registered before the app's commit hook, so it runs after it: the commit counts."""
        seconds = metrics.request_seconds()
        if measure:
            metrics.observe_request(response.status_code, seconds)
        if json_logs:
            logs.log_request(response.status_code, seconds)
            response.headers[logs.REQUEST_ID_HEADER] = logs.request_id() or ""
        return response

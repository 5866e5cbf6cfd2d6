"""``/metrics`` for Prometheus, ``/admin/system`` for people: the same figures."""

from __future__ import annotations

import hmac

from flask import abort, current_app, render_template, request
from werkzeug.wrappers import Response

from app.identity.access import admin_required
from app.ops import bp, figures, metrics


def _bearer_matches(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@bp.get("/metrics")
def scrape() -> Response:
    """Prometheus text format; 404 while ``METRICS_TOKEN`` is unset, 401 without the token."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not _bearer_matches(request.headers.get("Authorization"), token):
        return Response("unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"',
                                                "Content-Type": "text/plain; charset=utf-8",
                                                "Cache-Control": "no-store"})
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    body = metrics.exposition([figures.FiguresCollector(app)])
    return Response(body, 200, {"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"})


@bp.get("/admin/system")
@admin_required
def system() -> str:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = figures.read_figures(app)
    beats: list[figures.WorkerBeat] = []
    failed: list[figures.FailedJob] = []
    if now.redis == "ok":
        try:
            beats, failed = figures.worker_beats(app), figures.failed_jobs(app)
        except Exception as exc:  # Redis went away between the two reads: show what we have
            current_app.logger.warning("system page: Redis did not answer: %s", exc)
    mail_failures = figures.recent_mail_failures() if now.database_up else []
    return render_template("ops/system.html", figures=now, beats=beats, failed_jobs=failed,
                           mail_failures=mail_failures, metrics_on=metrics.enabled(app))

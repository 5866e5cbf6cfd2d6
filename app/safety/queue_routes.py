"""The admins' moderation queue: ``GET /admin/reports`` and resolving a report (PRG)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core.views import page_arg, refused
from app.identity.access import admin_required
from app.safety import bp, moderation

SHOW = ("open", "resolved")


@bp.route("/admin/reports")
@admin_required
def admin_reports() -> tuple[str, int]:
    show = request.args.get("show", "open") or "open"
    if show not in SHOW:
        return refused(422, "Show open or resolved reports.")
    queue = moderation.report_queue(resolved=show == "resolved", page=page_arg())
    return render_template("admin/reports.html", queue=queue, show=show, actions=moderation.ACTIONS,
                           note_max=moderation.NOTE_MAX), 200


@bp.route("/admin/reports/<int:report_id>/resolve", methods=["POST"])
@admin_required
def resolve_report(report_id: int) -> Response | tuple[str, int]:
    try:
        done = moderation.resolve(current_user._get_current_object(), report_id,
                                  request.form.get("action", ""), request.form.get("note", ""))
    except moderation.ReportNotFound:
        abort(404)
    except moderation.ModerationError as exc:
        return refused(exc.status, str(exc))
    if done.closed:
        action = request.form["action"].replace("_", " ")
        flash(f"Resolved {done.closed} {'report' if done.closed == 1 else 'reports'} ({action}); "
              "the reporters were told.", "success")
    else:
        flash("That report was already resolved; nothing changed.", "info")
    return redirect(url_for("safety.admin_reports"), 303)

"""The notification list and its acknowledgements (PRG)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.views import page_arg, wants_fragment
from app.notifications import bp, services


@bp.route("/notifications")
@login_required
def index() -> str:
    return render_template(
        "notifications/index.html", page=services.notifications_page(current_user, page_arg()),
    )


@bp.route("/notifications/ack", methods=["POST"])
@login_required
def ack_all() -> Response:
    services.ack_all(current_user)
    return redirect(url_for("notifications.index"), 303)


@bp.route("/notifications/<int:notification_id>/ack", methods=["POST"])
@login_required
def ack(notification_id: int) -> Response | str:
    try:
        notification = services.ack(current_user, notification_id)
    except services.NotificationNotFound:
        abort(404)
    if wants_fragment():
        return render_template("notifications/_item.html", n=notification)
    return redirect(url_for("notifications.index"), 303)

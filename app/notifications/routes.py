"""The notification list and its acknowledgements (PRG); mail preferences and one-click
unsubscribe."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.core.views import page_arg, wants_fragment
from app.extensions import csrf
from app.following import services as following
from app.notifications import bp, preferences, services
from app.notifications.models import Notification


@bp.route("/notifications")
@login_required
def index() -> str:
    page = services.notifications_page(current_user, page_arg())
    return render_template(
        "notifications/index.html", page=page, following=_followed_back(page.entries),
    )


def _followed_back(entries: list[Notification]) -> set[int]:
    """Of the players these follow notices name, the ones the viewer follows already (they get
    no "Follow back" button)."""
    followers = [n.actor_id for n in entries if n.kind == "follow" and n.actor_id is not None]
    return following.following_among(current_user, followers)


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
        return render_template(
            "notifications/_item.html", n=notification, following=_followed_back([notification]),
        )
    return redirect(url_for("notifications.index"), 303)


# --- mail preferences and one-click unsubscribe ----------------------------------------------


def _preferences_page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    return render_template(
        "notifications/settings.html", modes=preferences.mail_modes(current_user),
        kinds=preferences.KIND_LABELS, mode_labels=preferences.MODE_LABELS, error=error,
        form=FlaskForm(),
    ), status


@bp.get("/settings/notifications")
@bp.post("/settings/notifications")
@login_required
def mail_settings() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _preferences_page()
    if not FlaskForm().validate_on_submit():
        abort(400)
    posted = {key: value for key, value in request.form.items() if key != "csrf_token"}
    try:
        preferences.set_mail_modes(current_user, posted)
    except preferences.BadPreferences as exc:
        return _preferences_page(422, f"We don't know that choice ({str(exc)[:40]}).")
    flash("Your mail preferences are saved.", "success")
    return redirect(url_for("notifications.mail_settings"), 303)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: a mail client's one-click POST carries no session and no CSRF token
def unsubscribe(token: str) -> tuple[str, int]:
    try:
        target = preferences.read_unsubscribe_token(token)
    except preferences.BadUnsubscribeToken:
        return render_template("notifications/unsubscribe_invalid.html"), 400
    done = request.method == "POST"
    if done:
        preferences.turn_off(target)
    return render_template("notifications/unsubscribe.html", target=target, done=done, token=token), 200

"""Block, unblock, mute and unmute buttons, and the page that lists them with undo."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.nav import Panel
from app.core.views import limit_setting, refused, wants_fragment
from app.extensions import limiter
from app.identity.access import safe_next
from app.identity.models import User
from app.identity.services import active_user
from app.safety import bp, reports, services
from app.safety.forms import PrivacyForm


def _target(username: str) -> User:
    user = active_user(username)
    if user is None:
        abort(404)
    return user


def _back(user: User) -> Response:
    """To ``?next=`` (a local path, e.g. /settings/blocked) or to the player's profile."""
    target = request.args.get("next")
    return redirect(safe_next(target) if target else url_for("profiles.show", username=user.username), 303)


def _muted_back(user: User, message: str | None) -> Response | str:
    """After a mute or unmute: from htmx, the profile's safety panel redrawn in place with
    ``message`` in it (a flash would only show on the next full page); else as ``_back``."""
    if wants_fragment():
        return render_template(
            "safety/_profile_panel.html", profile_user=user, status=message,
            panel=Panel("safety/_profile_panel.html", services.profile_panel(current_user, user)),
        )
    if message:
        flash(message, "success")
    return _back(user)


@bp.route("/u/<username>/block", methods=["POST"])
@login_required
def block(username: str) -> Response | tuple[str, int]:
    target = _target(username)
    try:
        services.block(current_user, target)
    except services.SafetyError as exc:
        return refused(422, str(exc))
    flash(f"You blocked {target.username}. Neither of you will see the other on Fairway.", "success")
    return _back(target)


@bp.route("/u/<username>/unblock", methods=["POST"])
@login_required
def unblock(username: str) -> Response:
    target = _target(username)
    if services.unblock(current_user, target):
        flash(f"You unblocked {target.username}.", "success")
    return _back(target)


@bp.route("/u/<username>/mute", methods=["POST"])
@login_required
def mute(username: str) -> Response | str | tuple[str, int]:
    target = _target(username)
    if services.hidden_from(current_user, target):
        abort(404)
    try:
        services.mute(current_user, target)
    except services.SafetyError as exc:
        return refused(422, str(exc))
    return _muted_back(target, f"You muted {target.username}. They won't know.")


@bp.route("/u/<username>/unmute", methods=["POST"])
@login_required
def unmute(username: str) -> Response | str:
    target = _target(username)
    unmuted = services.unmute(current_user, target)
    return _muted_back(target, f"You unmuted {target.username}." if unmuted else None)


@bp.route("/settings/blocked")
@login_required
def silenced() -> str:
    return render_template("safety/blocked.html", silenced=services.silenced_by(current_user))


@bp.get("/settings/privacy")
@bp.post("/settings/privacy")
@login_required
def privacy() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        chosen = services.privacy_of(current_user)
        form = PrivacyForm(data={"messages_from": chosen.messages_from, "show_distance": chosen.show_distance,
                                 "profile_visibility": chosen.profile_visibility})
        return render_template("safety/privacy.html", form=form)
    form = PrivacyForm()
    if form.validate_on_submit():
        services.save_privacy(current_user, form.messages_from.data, bool(form.show_distance.data),
                              form.profile_visibility.data)
        flash("Your privacy settings are saved.", "success")
        return redirect(url_for("safety.privacy"), 303)
    return render_template("safety/privacy.html", form=form), 422


@bp.route("/report", methods=["POST"])
@login_required
@limiter.limit(limit_setting("RATELIMIT_REPORT"), key_func=lambda: f"report:{current_user.id}")
def report() -> Response | tuple[str, int]:
    form = request.form
    try:
        reports.file_report(current_user, form.get("kind", ""), form.get("target", "")[:100],
                            form.get("reason", ""), form.get("details", ""))
    except reports.ReportError as exc:
        return refused(exc.status, str(exc))
    flash("Thanks for telling us. An admin will look at it.", "success")
    return redirect(safe_next(form.get("next")) if form.get("next") else url_for("home.index"), 303)

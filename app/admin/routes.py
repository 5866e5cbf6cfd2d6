"""Admin views: every one needs the admin role; actions are POSTs that end in a redirect (PRG)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin import bp, services
from app.admin.forms import ActionForm, AuditFilterForm, JobsFilterForm, LoginFilterForm, UserSearchForm
from app.identity.access import admin_required
from app.identity.models import User


@bp.before_request
@admin_required
def admins_only() -> None:
    """Anonymous visitors go to the login page, signed-in non-admins get 403, on every route here."""


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/admin")
def index() -> Response:
    return redirect(url_for("admin.users"))


# --- users -----------------------------------------------------------------------------------


@bp.route("/admin/users")
def users() -> tuple[str, int]:
    form = UserSearchForm(request.args)
    if not form.validate():
        return render_template("admin/users.html", form=form, results=None), 422
    results = services.search_users(form.q.data or "", form.page_number)
    return render_template(
        "admin/users.html", form=form, results=results, action_form=ActionForm()
    ), 200


def _back_to(username: str) -> Response:
    return redirect(url_for("admin.users", q=username), 303)


@bp.route("/admin/users/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int) -> Response:
    try:
        user, sent = services.reset_password(_actor(), user_id)
    except services.NotFound:
        abort(404)
    except services.AdminError as exc:
        abort(409, str(exc))
    if sent == "reset":
        flash(
            f"{user.username}'s password no longer works; they are signed out everywhere and have "
            "been mailed a reset link.", "success",
        )
    else:
        flash(
            f"{user.username}'s password no longer works and they are signed out everywhere. Their "
            "address is not confirmed yet, so they were mailed a confirmation link; once confirmed "
            "they can ask for a reset.", "success",
        )
    return _back_to(user.username)


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int) -> Response:
    try:
        user = services.deactivate_user(_actor(), user_id)
    except services.NotFound:
        abort(404)
    except services.AdminError as exc:
        abort(409, str(exc))
    flash(f"{user.username} is deactivated and signed out everywhere.", "success")
    return _back_to(user.username)


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int) -> Response:
    try:
        user = services.reactivate_user(_actor(), user_id)
    except services.NotFound:
        abort(404)
    flash(f"{user.username} is active again.", "success")
    return _back_to(user.username)


# --- sign-ins --------------------------------------------------------------------------------


@bp.route("/admin/logins")
def logins() -> tuple[str, int]:
    form = LoginFilterForm(request.args)
    chart = services.failure_chart()
    if not form.validate():
        return render_template("admin/logins.html", form=form, results=None, chart=chart), 422
    results = services.login_attempts(form.user.data or "", form.outcome.data or "", form.page_number)
    return render_template("admin/logins.html", form=form, results=results, chart=chart), 200


# --- mail and queues -------------------------------------------------------------------------


@bp.route("/admin/jobs")
def jobs() -> tuple[str, int]:
    form = JobsFilterForm(request.args)
    context = {
        "form": form, "counts": services.outbox_counts(), "queues": services.queue_status(),
        "action_form": ActionForm(),
    }
    if not form.validate():
        return render_template("admin/jobs.html", results=None, **context), 422
    results = services.outbox_page(form.status.data or "", form.page_number)
    return render_template("admin/jobs.html", results=results, **context), 200


@bp.route("/admin/jobs/<int:mail_id>/retry", methods=["POST"])
def retry_mail(mail_id: int) -> Response:
    try:
        services.retry_mail(_actor(), mail_id)
    except services.NotFound:
        abort(404)
    except services.AdminError as exc:
        abort(409, str(exc))
    flash(f"Mail {mail_id} is queued again.", "success")
    return redirect(url_for("admin.jobs"), 303)


# --- audit -----------------------------------------------------------------------------------


@bp.route("/admin/audit")
def audit() -> tuple[str, int]:
    form = AuditFilterForm(request.args)
    if not form.validate():
        return render_template("admin/audit.html", form=form, results=None), 422
    return render_template("admin/audit.html", form=form, results=services.audit_page(form.page_number)), 200

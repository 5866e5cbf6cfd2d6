"""Identity views: validate, call one service, redirect (PRG)."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from app.clock import utcnow
from app.core import zones
from app.core.errors import answer_if_service_down_after
from app.core.forms import ActionForm
from app.core.transactions import retried
from app.core.views import limit_setting as _limit
from app.extensions import client_address, limit_key, limiter
from app.identity import bp, services, tokens
from app.identity.access import safe_next, sign_in, sign_out
from app.identity.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    TimezoneForm,
    UsernameForm,
)
from app.referrals import memory as referral_memory
from app.referrals import welcome as referral_welcome

CHECK_INBOX = "Welcome to Fairway! We've sent you a link to confirm your email address."
ACCOUNT_MADE = "Check your inbox: we're sending you a link to confirm your email address."
RESET_SENT = "If an account uses that address, we've sent it instructions. Check your inbox."
SIGNED_OUT = "You're signed out."
SIGNED_OUT_EVERYWHERE = (
    "You're signed out. This browser was keeping you signed in, so your other devices are "
    "signed out too."
)


def _failed(response: Response) -> bool:
    return response.status_code == 422


def _form_value(field: str) -> str:
    return (request.form.get(field) or "").strip().lower()


def _account_key() -> str:
    """The per-account login limit counts the account, whichever of its names was typed."""
    user = services.user_by_login(_form_value("login"))
    return "login:" + limit_key(f"user:{user.id}" if user is not None else _form_value("login"))


def _record_limited_login(limit: RequestLimit) -> None:
    """A refused try at an existing account is recorded against it, like any other try."""
    login = _form_value("login")
    services.record_login_attempt(login, client_address(), "rate_limited", services.user_by_login(login))


def _invalid(form_template: str, **context: object) -> tuple[str, int]:
    return render_template(form_template, **context), 422


# --- sign-up -----------------------------------------------------------------------------


@bp.get("/register")
@bp.post("/register")
@limiter.limit(_limit("RATELIMIT_SIGNUP_IP"), methods=["POST"])
@retried
def register() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    welcome = None
    if request.method == "GET":
        if "code" in request.args and "referrals" in current_app.blueprints:
            # Only a code the lookup finds live is prefilled (with its inviter's card).
            welcome = referral_welcome.welcome_for(request.args.get("code", ""))
            form.invite_code.data = welcome.code
        else:
            form.invite_code.data = referral_memory.remembered()
    if form.validate_on_submit():
        try:
            result = services.register(
                form.username.data, form.email.data, form.password.data, form.invite_code.data or None
            )
        except services.IdentityError as exc:
            getattr(form, exc.field).errors.append(str(exc))
            return _invalid("identity/register.html", form=form)
        if result.user is not None:
            sign_in(result.user)
        flash(CHECK_INBOX, "success")
        # ``retried`` commits the sign-up as this answer leaves; should Redis fail after that
        # (saving the session), the visitor hears that the account exists, not "try again".
        answer_if_service_down_after(_account_made)
        return redirect(url_for("core.home"), 303)
    if request.method == "POST":
        return _invalid("identity/register.html", form=form)
    return render_template("identity/register.html", form=form, welcome=welcome)


def _account_made() -> Response:
    """The answer to a sign-up that was saved when its session could not be: the visitor is not
    signed in. A page of its own, since the layout would show the unsaved session's sign-in."""
    page = current_app.jinja_env.get_template("identity/account_made.html")
    return make_response(page.render(message=ACCOUNT_MADE), 200)


# --- sign-in -----------------------------------------------------------------------------


@bp.get("/login")
@bp.post("/login")
@limiter.limit(
    _limit("RATELIMIT_LOGIN_IP"), methods=["POST"], deduct_when=_failed,
    on_breach=_record_limited_login,
)
@limiter.limit(
    _limit("RATELIMIT_LOGIN_ACCOUNT"), key_func=_account_key,
    methods=["POST"], deduct_when=_failed, on_breach=_record_limited_login,
)
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data, client_address())
        if user is not None:
            sign_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")), 303)
        form.password.errors.append("That username or email and password don't match an account.")
    if request.method == "POST":
        return _invalid("identity/login.html", form=form)
    return render_template("identity/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    everywhere = sign_out()
    flash(SIGNED_OUT_EVERYWHERE if everywhere else SIGNED_OUT, "info")
    # A new id for what is left (the message); the old server-side session is deleted.
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
    return redirect(url_for("core.home"), 303)


# --- verification ------------------------------------------------------------------------


@bp.route("/verify/<token>")
def verify(token: str) -> Response | tuple[str, int]:
    try:
        services.verify_email(token[:512])
    except (tokens.TokenInvalid, services.IdentityError):
        return render_template("identity/link_invalid.html", purpose="verify"), 400
    flash("Your email address is confirmed. Thanks!", "success")
    return redirect(url_for("core.home"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit(_limit("RATELIMIT_RESEND"), key_func=lambda: f"resend:{current_user.id}")
def resend_verification() -> Response:
    if current_user.email_verified and not current_user.pending_email:
        flash("Your email address is already confirmed.", "info")
    else:
        services.send_verification(current_user)
        flash("We've sent a new confirmation link.", "success")
    return redirect(url_for("core.home"), 303)


# --- password reset ----------------------------------------------------------------------


@bp.get("/reset")
@bp.post("/reset")
@limiter.limit(_limit("RATELIMIT_RESET_IP"), methods=["POST"])
@limiter.limit(
    _limit("RATELIMIT_RESET_ADDRESS"), key_func=lambda: "reset:" + limit_key(_form_value("email")),
    methods=["POST"],
)
def reset_request() -> Response | str | tuple[str, int]:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(RESET_SENT, "info")
        return redirect(url_for("identity.login"), 303)
    if request.method == "POST":
        return _invalid("identity/reset_request.html", form=form)
    return render_template("identity/reset_request.html", form=form)


@bp.get("/reset/<token>")
@bp.post("/reset/<token>")
@limiter.limit(_limit("RATELIMIT_RESET_IP"), methods=["POST"])
def reset_password(token: str) -> Response | str | tuple[str, int]:
    try:
        user = services.user_for_reset(token[:512])
    except tokens.TokenInvalid:
        return render_template("identity/link_invalid.html", purpose="reset"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        logout_user()
        flash("Your password is changed. Sign in with the new one.", "success")
        return redirect(url_for("identity.login"), 303)
    if request.method == "POST":
        return _invalid("identity/reset_password.html", form=form, token=token)
    return render_template("identity/reset_password.html", form=form, token=token)


# --- settings ----------------------------------------------------------------------------


def _automatic_zone() -> str:
    """What "not chosen" means for this player, for the settings list."""
    home = zones.home_zone(current_user).key
    return f"From my home zip ({home})" if home != "UTC" else "UTC (set a home zip to follow it)"


def _settings_page(status: int = 200, **forms: object) -> tuple[str, int]:
    context = {
        "username_form": UsernameForm(formdata=None, username=current_user.username),
        "timezone_form": TimezoneForm(
            formdata=None, timezone=current_user.timezone or "", automatic=_automatic_zone()
        ),
        "email_form": ChangeEmailForm(formdata=None),
        "password_form": ChangePasswordForm(formdata=None),
        "delete_form": ConfirmPasswordForm(formdata=None),
        "action_form": ActionForm(),
        "zone": zones.zone_of(current_user).key,
        "automatic_zone": zones.home_zone(current_user).key,
        "now": utcnow(),
    }
    context.update(forms)
    return render_template("identity/settings.html", **context), status


@bp.route("/settings")
@login_required
def settings() -> tuple[str, int]:
    return _settings_page()


@bp.route("/settings/username", methods=["POST"])
@login_required
def settings_username() -> Response | tuple[str, int]:
    form = UsernameForm()
    if form.validate_on_submit():
        try:
            services.change_username(current_user, form.username.data)
        except services.IdentityError as exc:
            form.username.errors.append(str(exc))
            return _settings_page(422, username_form=form)
        flash("Your username is changed.", "success")
        return redirect(url_for("identity.settings"), 303)
    return _settings_page(422, username_form=form)


@bp.route("/settings/email", methods=["POST"])
@login_required
def settings_email() -> Response | tuple[str, int]:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.change_email(current_user, form.email.data, form.password.data)
        except services.IdentityError as exc:
            form.password.errors.append(str(exc))
            return _settings_page(422, email_form=form)
        flash("We've sent a confirmation link to the new address; it takes over once confirmed.", "success")
        return redirect(url_for("identity.settings"), 303)
    return _settings_page(422, email_form=form)


@bp.route("/settings/password", methods=["POST"])
@login_required
def settings_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.IdentityError as exc:
            form.current_password.errors.append(str(exc))
            return _settings_page(422, password_form=form)
        # Every other session just ended; this browser carries on under a fresh session.
        sign_in(current_user._get_current_object())
        flash("Your password is changed. Other devices have been signed out.", "success")
        return redirect(url_for("identity.settings"), 303)
    return _settings_page(422, password_form=form)


@bp.route("/settings/timezone", methods=["GET", "POST"])
@login_required
def settings_timezone() -> Response | str | tuple[str, int]:
    """GET: every zone to pick from, on a page of its own (/settings lists the common ones)."""
    if request.method == "GET":
        form = TimezoneForm(formdata=None, timezone=current_user.timezone or "",
                            automatic=_automatic_zone(), every_zone=True)
        return render_template("identity/timezone.html", timezone_form=form,
                               zone=zones.zone_of(current_user).key, now=utcnow())
    form = TimezoneForm(automatic=_automatic_zone())
    if form.validate_on_submit():
        services.choose_timezone(current_user, form.timezone.data or None)
        flash(f"Times now show in {zones.zone_of(current_user).key}.", "success")
        return redirect(url_for("identity.settings"), 303)
    return _settings_page(422, timezone_form=form)


@bp.route("/settings/delete", methods=["POST"])
@login_required
def settings_delete() -> Response | tuple[str, int]:
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            services.delete_account(current_user, form.password.data)
        except services.IdentityError as exc:
            form.password.errors.append(str(exc))
            return _settings_page(422, delete_form=form)
        sign_out()
        flash("Your account is closed. We're sorry to see you go.", "info")
        current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
        return redirect(url_for("core.home"), 303)
    return _settings_page(422, delete_form=form)

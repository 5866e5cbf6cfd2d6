"""Session helpers and access decorators shared by every area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, after_this_request, current_app, request, session, url_for
from flask_login import current_user, decode_cookie, login_user, logout_user
from werkzeug.wrappers import Response

from app.identity import services
from app.identity.models import ROLE_ADMIN, User

F = TypeVar("F", bound=Callable[..., Any])


def sign_in(user: User, remember: bool = False) -> None:
    """Log the user in under a fresh session id (no fixation)."""
    login_user(user, remember=remember)
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None:
        regenerate(session)


def _remember_cookie() -> str:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def remembered_here(user: User) -> bool:
    """Whether this request carries a "keep me signed in" cookie that still signs ``user`` in."""
    cookie = request.cookies.get(_remember_cookie())
    return cookie is not None and decode_cookie(cookie) == user.get_id()


def sign_out() -> bool:
    """End this browser's sign-in: the session's contents and the "keep me signed in" cookie.

    That cookie carries the account's session token, the one every session of the account
    holds, so a copy of it would go on signing in wherever it is replayed. A remembered
    sign-in therefore rotates the token (``end_sessions``): the cookie, its copies and every
    other session of the account stop working everywhere. Returns True when it did. The
    caller flashes its message and then gives the session a new id.
    """
    everywhere = False
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        if remembered_here(user):
            services.end_sessions(user)
            everywhere = True
    logout_user()
    # Clearing the session also drops Flask-Login's "clear the cookie" marker: delete it here.
    session.clear()
    if _remember_cookie() in request.cookies:
        after_this_request(_delete_remember_cookie)
    return everywhere


def _delete_remember_cookie(response: Response) -> Response:
    """Expire the cookie with the attributes it was set with, so every browser drops it."""
    config = current_app.config
    response.delete_cookie(
        _remember_cookie(),
        path=config.get("REMEMBER_COOKIE_PATH", "/"),
        domain=config.get("REMEMBER_COOKIE_DOMAIN"),
        secure=bool(config.get("REMEMBER_COOKIE_SECURE")),
        httponly=True,
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )
    return response


def signed_in() -> bool:
    """``current_user.is_authenticated``, answered without loading anyone for a request that
    carries no cookie at all: the session and remember cookies are the only ways to be signed
    in, and the busiest anonymous page (a friend's first click on a referral link) skips it."""
    return bool(request.cookies) and bool(current_user.is_authenticated)


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page."""
    home = url_for("core.home")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


def role_required(role: str) -> Callable[[F], F]:
    """Anonymous visitors go to the login page; signed-in users without the role get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not current_user.can(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = role_required(ROLE_ADMIN)

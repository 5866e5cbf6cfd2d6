"""Session helpers and access decorators shared by every area."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, request, session, url_for
from flask_login import current_user, login_user

from app.identity.models import ROLE_ADMIN, User

F = TypeVar("F", bound=Callable[..., Any])


def sign_in(user: User, remember: bool = False) -> None:
    """Log the user in under a fresh session id (no fixation)."""
    login_user(user, remember=remember)
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None:
        regenerate(session)


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

"""The first referral a browser follows, remembered until it signs up or someone signs out.

Kept in a signed cookie of its own rather than in the server-side session: ``/r/<code>`` is
the busiest page there is and most of its visitors have no session yet, so remembering there
would cost every new visitor a session written to Redis or the database. The cookie is scoped
like the session cookie (HttpOnly, SameSite, Secure when the session cookie is, gone when the
browser closes) and signed, so it only ever holds a code that Fairway itself remembered.
"""

from __future__ import annotations

from flask import after_this_request, current_app, g, has_request_context, request
from itsdangerous import BadSignature, Signer
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response

from app.core.cache import SharedTTLCache, per_app

COOKIE = "fairway_referral"
_SALT = "fairway.referral-memory"


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_SALT)


def signed(code: str) -> str:
    """The cookie's value for ``code``."""
    return _signer().sign(code).decode()


def _set_cookie_line(code: str) -> str:
    """The ``Set-Cookie`` value that remembers ``code``. It never changes for a code, and a
    shared link is followed many times, so each web process builds it once per code."""
    lines: SharedTTLCache[str, str] = per_app(
        "fairway.referral_cookie_lines", lambda app: SharedTTLCache(3600)
    )
    line = lines.get(code)
    if line is None:
        config = current_app.config
        line = dump_cookie(
            COOKIE, signed(code), httponly=True, path="/",
            secure=config["SESSION_COOKIE_SECURE"], samesite=config["SESSION_COOKIE_SAMESITE"],
        )
        lines.put(code, line)
    return line


def remembered() -> str:
    """The referral code this browser followed first, or ""."""
    if not has_request_context():
        return ""
    if "referral_memory" in g:  # remembered or forgotten earlier in this request
        return str(g.referral_memory)
    value = request.cookies.get(COOKIE)
    if not value:
        return ""
    try:
        return _signer().unsign(value).decode()
    except BadSignature:
        return ""


def remember(code: str) -> None:
    """Remember ``code`` unless this browser already followed a referral (first click wins)."""
    if not code or remembered():
        return
    g.referral_memory = code

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.headers.add("Set-Cookie", _set_cookie_line(code))
        return response


def forget() -> None:
    """Drop the memory once the answer succeeds: an account was made, or someone signed out.

    What the request reads stays as it was (a sign-up retried after a serialization failure must
    still see the referral), and the cookie goes only if the intent, kept in ``g``, is still there
    when the answer leaves: a retried view voids what its failed attempt put in ``g``."""
    if not has_request_context() or not remembered() or g.get("referral_forgotten"):
        return
    g.referral_forgotten = True

    @after_this_request
    def delete_cookie(response: Response) -> Response:
        if response.status_code < 400 and g.pop("referral_forgotten", False):
            config = current_app.config
            response.delete_cookie(COOKIE, secure=config["SESSION_COOKIE_SECURE"],
                                   samesite=config["SESSION_COOKIE_SAMESITE"], httponly=True)
        return response

"""The security headers every answer carries, in one place: what a browser may load and run on
Fairway's pages, which of its features they may use, and who may keep a copy of an answer."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from werkzeug.wrappers import Response

#: Everything comes from Fairway itself: no inline script or style anywhere (``static/app.js``
#: and ``static/style.css`` hold them), images also as ``data:`` (the referral QR code), no
#: plugins, no framing, and forms post only back to Fairway.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))

#: Browser features Fairway never uses, turned off for its pages and anything they might embed.
#: The copy button writes to the clipboard, so that one stays on for Fairway itself.
UNUSED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
    "fullscreen", "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone",
    "midi", "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
    "serial", "usb", "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join([f"{feature}=()" for feature in UNUSED_FEATURES] + ["clipboard-write=(self)"])

#: Sent with every answer; no view sets these itself.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


#: Answers that are the same for everyone, whoever asks: they keep their own caching.
PUBLIC_ENDPOINTS = frozenset({"static", "profiles.avatar"})


def note_a_signed_in_session() -> None:
    """Before the view: whether the session holds a sign-in, while it is certainly open (it is
    not when it could not be loaded, e.g. Redis down, and then no hook runs). Without a session
    cookie the session is empty: it is not touched (``/r/<code>`` does no I/O)."""
    g.signed_in_session = bool(
        request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) and "_user_id" in session
    )


def answers_a_signed_in_user() -> bool:
    """Whether this answer went to a signed-in user: the user this request loaded, else what
    the request carries (a session holding a sign-in, a remember-me cookie). An answer that
    never looked at the user (a redirect, an error page) is still theirs."""
    user = g.get("_login_user")
    if user is not None:
        # is_anonymous, not is_authenticated: the latter reads the row, which the request's
        # commit has expired, so asking would cost a SELECT on every signed-in page.
        return not user.is_anonymous
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return True
    return bool(g.get("signed_in_session"))


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers[name] = value
    if request.path.startswith("/api/") or (
        request.endpoint not in PUBLIC_ENDPOINTS and answers_a_signed_in_user()
    ):
        # Nothing shown to a signed-in player stays in a shared or back-button cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def register_security_headers(app: Flask) -> None:
    """Register before any other request hook, so a hook that refuses the request (``abort``)
    cannot skip the note."""
    app.before_request(note_a_signed_in_session)
    app.after_request(add_security_headers)

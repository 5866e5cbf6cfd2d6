"""Signed, per-purpose, expiring tokens tied to the account's state.

A token carries a fingerprint of the password hash and the address it is about, so it dies
when either changes; a reset token therefore works once (using it changes the password).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

if TYPE_CHECKING:
    from app.identity.models import User

VERIFY, RESET = "verify", "reset"
MAX_AGE = {VERIFY: 2 * 24 * 3600, RESET: 3600}


class TokenInvalid(Exception):
    """The token is malformed, expired, for another purpose, or no longer matches the account."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"fairway.{purpose}")


def _fingerprint(purpose: str, user: User, email: str) -> str:
    material = f"{purpose}|{user.id}|{email.lower()}|{user.password_hash}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(purpose: str, user: User, email: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(purpose, user, email)})


def read_token(purpose: str, token: str) -> tuple[int, str]:
    """The user id and fingerprint in a token that is well-signed and not expired."""
    try:
        data = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except BadSignature as exc:  # SignatureExpired is a BadSignature too
        raise TokenInvalid(purpose) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenInvalid(purpose)
    return data["u"], str(data.get("f", ""))


def matches(purpose: str, user: User, email: str, fingerprint: str) -> bool:
    return _fingerprint(purpose, user, email) == fingerprint

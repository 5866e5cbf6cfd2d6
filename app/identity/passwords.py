"""argon2id hashing with rehash on parameter change, and the password policy."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH, MAX_LENGTH = 8, 128

# OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
OWASP = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
# Apps with TESTING set hash with argon2's smallest parameters: the suite signs up thousands of
# players and each OWASP hash costs tens of milliseconds of a shared CPU.
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


def hasher() -> PasswordHasher:
    """OWASP's parameters, unless the current app is a test app (``TESTING``)."""
    if has_app_context() and current_app.testing:
        return CHEAP
    return OWASP


def hash_password(password: str) -> str:
    return hasher().hash(password)


def retired_hash() -> str:
    """A hash of a random secret no one ever sees: stored in place of a password that must stop
    working (an admin's reset), it keeps the column a real argon2 hash, so signing in with any
    password costs the usual verification and fails."""
    return hasher().hash(secrets.token_urlsafe(32))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


# A hash to verify against when the account does not exist, so both paths cost the same.
DUMMY_HASH = OWASP.hash("fairway-no-such-account")


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, as ranked by the zxcvbn project's data."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why a new password is refused, or None. Length only; no composition rules."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "That password is one of the most common; choose another."
    if username and lowered == username.lower():
        return "Your password can't be your username."
    if email and lowered in {email.lower(), email.lower().split("@")[0]}:
        return "Your password can't be your email address."
    return None

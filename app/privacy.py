"""Keyed hashes of personal data, for logs, login records and click counts."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def hash_identifier(value: str) -> str:
    """A keyed, non-reversible fingerprint of an email, IP address or code (hex, 32 chars)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]

"""Code formats: one normalization routine, hashid referral codes, CSPRNG invite codes.

Both kinds share an alphabet without look-alikes (no 0/O, 1/I/L). Invite codes have exactly
``INVITE_LENGTH`` characters and referral codes at least ``REFERRAL_MIN_LENGTH``, so the two
kinds can never be equal and a code's length tells which table to look in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask
from hashids import Hashids

from app.core.cache import per_app

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
INVITE_LENGTH = 10
REFERRAL_MIN_LENGTH = 12
#: Longest input any code field or link accepts before normalizing.
MAX_INPUT = 64
#: Bits of CSPRNG nonce in every referral code: a guess names a live (row id, nonce) pair
#: with probability rows / 2**40, under one in a million for up to a million codes.
NONCE_BITS = 40
#: Largest row id a referral code can name (``referral_codes.id`` is a 32-bit integer): a guess
#: that decodes past it names nothing, and must not reach the database (PostgreSQL refuses it).
MAX_ROW_ID = 2**31 - 1


def normalize_code(value: str | None) -> str:
    """The one spelling of a code: trimmed, without spaces or hyphens, upper-case."""
    if not value:
        return ""
    return "".join(value[:MAX_INPUT].split()).replace("-", "").upper()


def _hashids() -> Hashids:
    return per_app("fairway.referral_hashids", _make_hashids)


def _make_hashids(app: Flask) -> Hashids:
    salt = hmac.new(app.config["SECRET_KEY"].encode(), b"fairway.referral-codes", hashlib.sha256).hexdigest()
    return Hashids(salt=salt, min_length=REFERRAL_MIN_LENGTH, alphabet=ALPHABET)


def new_nonce() -> int:
    return secrets.randbits(NONCE_BITS)


def encode_referral(row_id: int, nonce: int) -> str:
    return str(_hashids().encode(row_id, nonce))


def decode_referral(code: str) -> tuple[int, int] | None:
    """The (row id, nonce) a normalized referral code encodes, or None if it is not one of
    ours (only canonical encodings count, so each pair has exactly one spelling)."""
    if len(code) < REFERRAL_MIN_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    numbers = _hashids().decode(code)
    if len(numbers) != 2 or encode_referral(*numbers) != code:
        return None
    row_id, nonce = numbers
    if not (1 <= row_id <= MAX_ROW_ID and 0 <= nonce < 2**NONCE_BITS):
        return None
    return row_id, nonce


def new_invite_code() -> str:
    """A uniformly random invite code (``secrets.choice`` draws without modulo bias)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(INVITE_LENGTH))


def looks_like_invite(code: str) -> bool:
    return len(code) == INVITE_LENGTH and all(ch in ALPHABET for ch in code)

"""Settings from the environment, with embedded defaults for a machine with no services."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
#: Rate limits an operator may tune, in Flask-Limiter notation, with their defaults.
RATE_LIMITS = {
    "RATELIMIT_LOGIN_IP": "20 per 10 minutes",
    "RATELIMIT_LOGIN_ACCOUNT": "5 per 10 minutes",
    "RATELIMIT_SIGNUP_IP": "10 per hour",
    "RATELIMIT_RESET_IP": "10 per hour",
    "RATELIMIT_RESET_ADDRESS": "3 per hour",
    "RATELIMIT_RESEND": "5 per hour",
    "RATELIMIT_RESOLVE_IP": "60 per minute",
    "RATELIMIT_WAITLIST_IP": "10 per hour",
    "RATELIMIT_MESSAGE": "30 per minute",
    "RATELIMIT_FIRST_CONTACT": "10 per day",
    "RATELIMIT_REPORT": "20 per day",
    "RATELIMIT_INVITE_MAIL": "10 per day",
}
#: Largest avatar upload (below ``MAX_CONTENT_LENGTH``, so the form can say why it refused).
AVATAR_MAX_BYTES = 5 * 1024 * 1024


class ConfigError(RuntimeError):
    """A setting is missing or wrong; raised at startup so the app never runs half-configured."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in _TRUE


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float,
            kind: type[int] | type[float] = int) -> Any:
    """``env[name]`` as a number between ``low`` and ``high``; anything else stops startup."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:  # NaN fails the comparison too
        raise ConfigError(f"{name} must be a{'' if kind is int else ' decimal'} number from {low:g} "
                          f"to {high:g}, not {raw!r}.")
    return value


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit in Flask-Limiter notation (``5 per 10 minutes``), checked at startup."""
    from limits import parse_many

    value = env.get(name, "").strip() or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as '5 per 10 minutes', not {value!r}.") from None
    return value


def database_url(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL: PostgreSQL URLs use psycopg 3; the default is a SQLite file."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "fairway.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dev_secret_key(instance_path: str) -> str:
    """A secret generated once into the instance folder, so dev sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read every setting Fairway knows from ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    production = env.get("FLASK_ENV", "").lower() == "production" or _flag(
        env.get("FAIRWAY_PRODUCTION"), False
    )
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the "
                "environment, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
        secret_key = _dev_secret_key(instance_path)

    redis_url = env.get("REDIS_URL") or None
    mode = env.get("REGISTRATION_MODE", "open").strip().lower()
    if mode not in {"open", "invite_only"}:
        raise ConfigError(f"REGISTRATION_MODE must be 'open' or 'invite_only', not {mode!r}.")

    metrics_token = env.get("METRICS_TOKEN", "").strip() or None
    if metrics_token is not None and (len(metrics_token) < 16 or not metrics_token.isprintable()
                                      or any(ch.isspace() for ch in metrics_token)):
        raise ConfigError("METRICS_TOKEN must be at least 16 printable characters without spaces.")
    log_format = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in {"text", "json"}:
        raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', not {log_format!r}.")

    multiproc_dir = env.get("PROMETHEUS_MULTIPROC_DIR") or None
    if multiproc_dir is not None and not os.path.isdir(multiproc_dir):
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR {multiproc_dir!r} is not a directory.")

    settings: dict[str, Any] = {
        "PRODUCTION": production,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "REDIS_URL": redis_url,
        # Uploaded avatars (default: the instance folder); shared storage when web scales out.
        "AVATAR_DIR": env.get("AVATAR_DIR") or str(Path(instance_path) / "avatars"),
        "APP_BASE_URL": env.get("APP_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "REGISTRATION_MODE": mode,
        "RATELIMIT_ENABLED": _flag(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # While Redis is away, limits keep counting in each process's memory.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        **{name: _rate(env, name, default) for name, default in RATE_LIMITS.items()},
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _number(env, "MAIL_PORT", 25, 1, 65535),
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL"), False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Fairway <no-reply@fairway.local>"),
        "DISPOSABLE_EMAIL_CHECK": _flag(env.get("DISPOSABLE_EMAIL_CHECK"), True),
        "OUTBOX_SWEEP_SECONDS": _number(env, "OUTBOX_SWEEP_SECONDS", 30, 1, 86_400),
        "OUTBOX_MAX_ATTEMPTS": _number(env, "OUTBOX_MAX_ATTEMPTS", 6, 1, 100),
        # Notification mail: a message mail waits this long for the message to be read first;
        # the daily digest goes from this hour of each player's local morning on.
        "MESSAGE_MAIL_DELAY_SECONDS": _number(env, "MESSAGE_MAIL_DELAY_SECONDS", 300, 0, 86_400),
        "DIGEST_HOUR": _number(env, "DIGEST_HOUR", 7, 0, 23),
        "DB_RETRY_ATTEMPTS": _number(env, "DB_RETRY_ATTEMPTS", 3, 1, 20),
        "WAITLIST_INVITE_DAYS": _number(env, "WAITLIST_INVITE_DAYS", 14, 1, 365),
        # Invite-only mode: how many sign-ups a member's link admits in any 30 days, and how old
        # (and verified) the account must be before it admits anyone.
        "MEMBER_INVITES_PER_MONTH": _number(env, "MEMBER_INVITES_PER_MONTH", 5, 0, 10_000),
        "MEMBER_INVITE_MIN_AGE_DAYS": _number(env, "MEMBER_INVITE_MIN_AGE_DAYS", 7, 0, 3650),
        # Held referrals: this many sign-ups through one referrer from one network or one browser
        # within the window hold their points for an admin's review.
        "REFERRAL_HOLD_CLUSTER": _number(env, "REFERRAL_HOLD_CLUSTER", 3, 2, 1000),
        "REFERRAL_HOLD_WINDOW_HOURS": _number(env, "REFERRAL_HOLD_WINDOW_HOURS", 24, 1, 24 * 90),
        "REFERRAL_LINK_CACHE_SECONDS": _number(env, "REFERRAL_LINK_CACHE_SECONDS", 60, 0, 86_400),
        "REFERRAL_CLICK_FLUSH_SECONDS": _number(
            env, "REFERRAL_CLICK_FLUSH_SECONDS", 1.0, 0.05, 3600, float
        ),
        "ADMIN_PAGE_SIZE": _number(env, "ADMIN_PAGE_SIZE", 25, 1, 500),
        "MESSAGES_POLL_SECONDS": _number(env, "MESSAGES_POLL_SECONDS", 10, 1, 3600),
        "AVATAR_MAX_BYTES": AVATAR_MAX_BYTES,
        # Sessions: server-side, in Redis when configured, else in the database.
        "SESSION_TYPE": "redis" if redis_url else "sqlalchemy",
        "SESSION_KEY_PREFIX": "fairway:session:",
        "SESSION_PERMANENT": False,
        "SESSION_COOKIE_NAME": "fairway_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag(env.get("SESSION_COOKIE_SECURE"), production),
        "WTF_CSRF_TIME_LIMIT": None,
        # Operations: unset, /metrics answers 404 and nothing is measured.
        "METRICS_TOKEN": metrics_token,
        "LOG_FORMAT": log_format,
        # Where gunicorn's workers keep their series so a scrape sums them (prometheus_client).
        "PROMETHEUS_MULTIPROC_DIR": multiproc_dir,
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    }
    return settings


def engine_options(url: str) -> dict[str, Any]:
    """Connection settings that suit the database behind ``url``."""
    # Errors never carry bound parameters (emails, hashes) into logs.
    if url.startswith("sqlite"):
        # Several threads or processes share one file: wait for the write lock, don't fail.
        return {"connect_args": {"timeout": 30}, "hide_parameters": True}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10, "hide_parameters": True}

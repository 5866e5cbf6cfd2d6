"""Settings: embedded defaults, production fails fast without SECRET_KEY, cookie flags."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, database_url, load_settings
from app.extensions import db
from app.identity.models import User
from app.identity.passwords import hash_password
from tests.conftest import make_config
from tests.support import PASSWORD, login


def test_production_without_secret_key_fails_fast(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_settings(str(tmp_path), {"FLASK_ENV": "production"})
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(str(tmp_path), {"FAIRWAY_PRODUCTION": "true", "SECRET_KEY": ""})
    assert not (tmp_path / "secret_key").exists()


def test_create_app_in_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"TESTING": True})


def test_production_settings(tmp_path):
    settings = load_settings(str(tmp_path), {"FLASK_ENV": "production", "SECRET_KEY": "s" * 48})
    assert settings["PRODUCTION"] is True
    assert settings["SECRET_KEY"] == "s" * 48
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True and settings["REMEMBER_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_embedded_defaults(tmp_path):
    settings = load_settings(str(tmp_path), {})
    assert settings["PRODUCTION"] is False
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/fairway.db"
    assert settings["REDIS_URL"] is None
    assert settings["SESSION_TYPE"] == "sqlalchemy"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["MAIL_SERVER"] is None
    assert settings["APP_BASE_URL"] == "http://127.0.0.1:5000"
    assert settings["REGISTRATION_MODE"] == "open"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_dev_secret_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_settings(str(tmp_path), {})["SECRET_KEY"]
    second = load_settings(str(tmp_path), {})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_services_settings(tmp_path):
    settings = load_settings(str(tmp_path), {
        "SECRET_KEY": "k", "DATABASE_URL": "postgres://u@db/fairway", "REDIS_URL": "redis://r:6379/0",
        "APP_BASE_URL": "https://fairway.example/", "RATELIMIT_ENABLED": "false",
        "REGISTRATION_MODE": "Invite_Only", "MAIL_SERVER": "smtp.example", "MAIL_PORT": "2525",
    })
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/fairway"
    assert settings["SESSION_TYPE"] == "redis"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["APP_BASE_URL"] == "https://fairway.example"
    assert settings["REGISTRATION_MODE"] == "invite_only"
    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("smtp.example", 2525)


def test_bad_registration_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="REGISTRATION_MODE"):
        load_settings(str(tmp_path), {"SECRET_KEY": "k", "REGISTRATION_MODE": "closed"})


def test_area_settings_come_from_the_environment(tmp_path):
    settings = load_settings(str(tmp_path), {
        "SECRET_KEY": "k", "RATELIMIT_MESSAGE": "2 per minute", "RATELIMIT_WAITLIST_IP": "1 per day",
        "WAITLIST_INVITE_DAYS": "3", "REFERRAL_LINK_CACHE_SECONDS": "0",
        "REFERRAL_CLICK_FLUSH_SECONDS": "0.5", "ADMIN_PAGE_SIZE": "50",
    })
    assert settings["RATELIMIT_MESSAGE"] == "2 per minute"
    assert settings["RATELIMIT_WAITLIST_IP"] == "1 per day"
    assert settings["RATELIMIT_RESOLVE_IP"] == "60 per minute"
    assert settings["WAITLIST_INVITE_DAYS"] == 3 and settings["REFERRAL_LINK_CACHE_SECONDS"] == 0
    assert settings["REFERRAL_CLICK_FLUSH_SECONDS"] == 0.5 and settings["ADMIN_PAGE_SIZE"] == 50
    assert settings["AVATAR_DIR"] == str(tmp_path / "avatars")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAIL_PORT", "smtp"), ("MAIL_PORT", "0"), ("OUTBOX_SWEEP_SECONDS", "-5"),
        ("OUTBOX_MAX_ATTEMPTS", "1.5"), ("DB_RETRY_ATTEMPTS", "0"), ("WAITLIST_INVITE_DAYS", "two"),
        ("REFERRAL_LINK_CACHE_SECONDS", "-1"), ("REFERRAL_CLICK_FLUSH_SECONDS", "nan"),
        ("ADMIN_PAGE_SIZE", "0"), ("RATELIMIT_MESSAGE", "lots"), ("RATELIMIT_LOGIN_IP", "5 per fortnight"),
    ],
)
def test_a_bad_value_stops_startup_naming_the_setting(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(str(tmp_path), {"SECRET_KEY": "k", name: value})


def test_only_config_reads_the_environment():
    """Areas read ``current_app.config``; a setting read anywhere else escapes the checks above."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    readers = [
        str(path.relative_to(app_dir))
        for path in app_dir.rglob("*.py")
        if path.name != "config.py" and ("os.environ" in path.read_text() or "getenv" in path.read_text())
    ]
    assert readers == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        (None, "sqlite:////inst/fairway.db"),
    ],
)
def test_database_url(url, expected):
    assert database_url(url, "/inst") == expected


def cookie_headers(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return header


def test_cookies_are_httponly_and_lax(app, client):
    db.session.add(User(username="alice", email="alice@example.com", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    response = login(client, "alice", PASSWORD, remember="y")
    assert response.status_code == 303
    for name in ("fairway_session", "remember_token"):
        header = cookie_headers(response, name)
        assert "HttpOnly" in header and "SameSite=Lax" in header
        assert "Secure" not in header


def test_cookies_are_secure_in_production(monkeypatch, database_url, redis_url, smtp_server):
    monkeypatch.setenv("FLASK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-this-test-only")
    application = create_app(make_config(database_url, redis_url, smtp_server.port))
    assert application.config["SESSION_COOKIE_SECURE"] is True
    client = application.test_client()
    with application.app_context():
        response = client.get("/login", base_url="https://localhost")
        header = cookie_headers(response, "fairway_session")
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
        db.session.remove()
        db.engine.dispose()
    redis = application.extensions.get("fairway.redis")
    if redis is not None:
        redis.close()

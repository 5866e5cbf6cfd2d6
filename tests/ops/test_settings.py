"""``METRICS_TOKEN``, ``LOG_FORMAT`` and ``PROMETHEUS_MULTIPROC_DIR`` are checked at startup."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings

BASE = {"SECRET_KEY": "k"}


def test_defaults(tmp_path):
    settings = load_settings(str(tmp_path), BASE)
    assert settings["METRICS_TOKEN"] is None
    assert settings["LOG_FORMAT"] == "text"
    assert settings["PROMETHEUS_MULTIPROC_DIR"] is None


def test_good_values(tmp_path):
    settings = load_settings(str(tmp_path), {
        **BASE, "METRICS_TOKEN": " s3cret-token-for-prometheus ", "LOG_FORMAT": "JSON",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    })
    assert settings["METRICS_TOKEN"] == "s3cret-token-for-prometheus"
    assert settings["LOG_FORMAT"] == "json"
    assert settings["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("LOG_FORMAT", "yaml", "LOG_FORMAT must be 'text' or 'json'"),
    ("METRICS_TOKEN", "short", "METRICS_TOKEN must be at least 16"),
    ("METRICS_TOKEN", "a token with spaces in it", "METRICS_TOKEN must be at least 16"),
    ("PROMETHEUS_MULTIPROC_DIR", "/no/such/folder/here", "PROMETHEUS_MULTIPROC_DIR"),
])
def test_bad_values_stop_startup(tmp_path, name, value, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(str(tmp_path), {**BASE, name: value})

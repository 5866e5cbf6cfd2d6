"""Requirement 12: logs never hold raw codes or tokens; gunicorn's access log masks them."""

from __future__ import annotations

import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from app.core.logs import MASK, mask_secrets

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("line", "expected"), [
    ("GET /r/ABCD2345EFGH HTTP/1.1", f"GET /r/{MASK} HTTP/1.1"),
    ("GET /r/abcd-2345?x=1 HTTP/1.1", f"GET /r/{MASK}?x=1 HTTP/1.1"),
    ("/register?code=ABCD2345EF&next=/", f"/register?code={MASK}&next=/"),
    ("/register?next=/&CODE=abc", f"/register?next=/&CODE={MASK}"),
    ("/t/K7Q2M9XP/claim", f"/t/{MASK}/claim"),
    ("/verify/eyJ1c2VyIjo0Mn0.abc", f"/verify/{MASK}"),
    ("/reset/eyJ1c2VyIjo0Mn0.abc", f"/reset/{MASK}"),
    ("POST /verify/resend HTTP/1.1", "POST /verify/resend HTTP/1.1"),
    ("GET /reset HTTP/1.1", "GET /reset HTTP/1.1"),
    ("code=ABCD2345EF&x=1", f"code={MASK}&x=1"),  # a bare query string
    ("GET /referrals?page=2 HTTP/1.1", "GET /referrals?page=2 HTTP/1.1"),
    ("https://fairway.example/r/ABCD2345EFGH", f"https://fairway.example/r/{MASK}"),
])
def test_codes_and_tokens_are_masked(line, expected):
    assert mask_secrets(line) == expected


def test_the_gunicorn_access_log_masks_every_field(tmp_path, monkeypatch):
    # Loading the settings would otherwise point PROMETHEUS_MULTIPROC_DIR at a folder of its own
    # for the rest of this process, and the metrics tests after it would scrape that folder
    # (monkeypatch puts the environment back).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logger = settings["logger_class"](Config())
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": "/r/ABCD2345EFGH?utm=x", "PATH_INFO": "/r/ABCD2345EFGH",
        "QUERY_STRING": "code=ABCD2345EF", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.5",
        "HTTP_REFERER": "https://mail.example/?code=ABCD2345EF",
    }
    request = SimpleNamespace(headers=[("REFERER", "https://fairway.example/r/ABCD2345EFGH")])
    response = SimpleNamespace(status="303 See Other", sent=0,
                               headers=[("Location", "/register?code=ABCD2345EFGH")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=2))
    text = " ".join(str(value) for value in atoms.values())
    assert "ABCD2345" not in text
    assert atoms["r"] == f"GET /r/{MASK}?utm=x HTTP/1.1"


def test_the_development_servers_log_masks_codes(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "127.0.0.1", "now",
                                       "GET /r/ABCD2345EFGH HTTP/1.1", 303)
    assert "ABCD2345" not in caplog.text and f"/r/{MASK}" in caplog.text

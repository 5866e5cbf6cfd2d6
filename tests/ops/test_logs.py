"""``LOG_FORMAT=json``: one JSON object a line with the request's id, route, status, duration
and hashed user; the id rides into the jobs the request queues and their lines; codes and
tokens stay masked."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.ops.logs import JsonFormatter
from app.privacy import hash_identifier
from app.referrals import services
from tests.ops.conftest import TOKEN
from tests.support import login, register


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # No MAIL_SERVER: mail is written to the log, verification link and all.
    return {"METRICS_TOKEN": TOKEN, "LOG_FORMAT": "json", "MAIL_SERVER": None}


class Lines:
    """Every log line written while it is attached, parsed: each must be one JSON object."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def read(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def lines() -> Iterator[Lines]:
    found = Lines()
    handler = logging.StreamHandler(found.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield found
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_request_line_has_its_shape_and_no_code(app, client, lines):
    register(client, "ann")
    ann = db.session.scalar(sa.select(User).where(User.username == "ann"))
    code = services.current_code(ann)
    db.session.commit()
    stranger = app.test_client()
    answer = stranger.get(f"/r/{code}?code={code}", headers={"X-Request-ID": "edge-proxy-id-1234"})
    found = [line for line in lines.read() if line["logger"] == "fairway.request"]
    click = found[-1]
    assert set(click) >= {"time", "level", "request_id", "route", "status", "duration_ms", "user"}
    assert click["route"] == "/r/<code>" and click["status"] == 303 and click["level"] == "info"
    assert click["request_id"] == "edge-proxy-id-1234" == answer.headers["X-Request-ID"]
    assert click["user"] is None and click["duration_ms"] >= 0
    assert click["time"].endswith("+00:00")
    text = json.dumps(lines.read())
    assert code not in text and code.lower() not in text


def test_a_signed_in_players_id_is_hashed(app, client, lines):
    register(client, "bob")
    bob = db.session.scalar(sa.select(User).where(User.username == "bob"))
    client.get("/referrals")
    line = [line for line in lines.read() if line.get("route") == "/referrals"][-1]
    assert line["user"] == hash_identifier(f"user:{bob.id}")
    assert str(bob.id) != line["user"] and "bob" not in json.dumps(line)


def test_a_bad_request_id_is_replaced(client, lines):
    answer = client.get("/healthz", headers={"X-Request-ID": "evil\"id with spaces"})
    line = [line for line in lines.read() if line.get("route") == "/healthz"][-1]
    assert line["request_id"] == answer.headers["X-Request-ID"] != "evil\"id with spaces"
    assert len(line["request_id"]) == 16


def test_the_request_id_follows_the_sign_up_into_its_mail_job(app, client, lines, drain):
    answer = register(client, "cyd")
    request_id = answer.headers["X-Request-ID"]
    drain()  # services mode: a real RQ worker sends it; embedded: it ran after the commit
    mail = [line for line in lines.read() if "Subject: Confirm your email" in line["message"]]
    assert len(mail) == 1
    assert mail[0]["request_id"] == request_id
    assert "/verify/[masked]" in mail[0]["message"]
    assert "cyd@example.com" not in json.dumps(lines.read())
    if app.extensions.get("fairway.redis") is not None:  # written by the worker, in the job
        assert mail[0]["job"].startswith("mail-")


def test_an_exception_is_masked_too(app):
    formatter = JsonFormatter()
    try:
        raise ValueError("bad link /reset/abcdefTOKEN123 and ?code=ABCD2345")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed on /t/SECRETCODE", (),
                                   exc_info=sys.exc_info())
    entry = json.loads(formatter.format(record))
    assert entry["level"] == "error"
    assert "SECRETCODE" not in entry["message"] and "/t/[masked]" in entry["message"]
    assert "abcdefTOKEN123" not in entry["exception"] and "ABCD2345" not in entry["exception"]
    assert "ValueError" in entry["exception"]


def test_login_lines_carry_no_address(app, client, lines):
    register(client, "dan")
    client2 = app.test_client()
    login(client2, "dan@example.com")
    assert "dan@example.com" not in json.dumps(lines.read())

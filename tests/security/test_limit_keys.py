"""Rate limits: their keys never hold a raw address or login (Flask-Limiter logs keys when a
limit is hit), and a tee-time invite counts as a message."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.teetimes import services as teetimes
from app.teetimes.services import RoundDetails
from tests.factories import make_member, make_user
from tests.support import login, post


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_MESSAGE": "2 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": "3 per minute"}


def test_rate_limit_keys_carry_no_raw_address(app, client, caplog):
    make_user("ann")
    caplog.set_level(logging.DEBUG)
    answers = [login(client, "ann@example.com", "wrong-password-123").status_code for _ in range(5)]
    assert 429 in answers
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "exceeded" in logged
    assert "ann@example.com" not in logged and "127.0.0.1" not in logged


def test_tee_time_invites_count_against_the_message_limit(app, client):
    host = make_member("hal", zip="94103")
    for name in ("ivy", "jon", "kim"):
        make_member(name, zip="94103")
    round_ = teetimes.post_tee_time(host, RoundDetails(
        course="Lincoln Park", day=date.today() + timedelta(days=5), slot="morning", exact=None,
        spots=3, note="", visibility="link"))
    db.session.commit()
    login(client, "hal")
    answers = [post(client, f"/t/{round_.code}/invite/{name}", token_from="/settings").status_code
               for name in ("ivy", "jon", "kim")]
    assert answers == [303, 303, 429]

"""Reports: players, messages and rounds, from a small form where people need it; a repeat
changes nothing; bad input is a clear 4xx; the route is rate-limited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.messaging import services as messaging
from app.safety.models import Report
from tests.safety.conftest import user
from tests.support import post

ANN, ZED = "alpha_ann", "zulu_zed"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_REPORT": "4 per day"}


def reports() -> list[tuple[str, str, int, int]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(
        sa.select(Report.kind, Report.reason, Report.target_id, Report.reported_id).order_by(Report.id)
    )]


def report_forms(page: str) -> list[tuple[str, str]]:
    """(kind, target) of every report form on the page."""
    form = r'name="kind" value="(\w+)">\s*<input type="hidden" name="target" value="([^"]+)"'
    return re.findall(form, page)


def send(client, kind: str, target: str, reason: str = "spam", details: str = "", next: str = "/"):
    return post(client, "/report", {"kind": kind, "target": target, "reason": reason, "details": details,
                                    "next": next}, token_from="/")


def test_report_forms_sit_on_the_profile_each_message_and_the_round_page(player, as_user):
    from tests.safety.test_block import _round

    player(ANN), player(ZED)
    message = messaging.send_message(user(ZED), user(ANN), "buy cheap clubs at example.com")
    messaging.send_message(user(ANN), user(ZED), "no thanks")
    db.session.commit()
    tee_time = _round(ZED)
    ann = as_user(ANN)
    assert ("user", ZED) in report_forms(ann.get(f"/u/{ZED}").get_data(as_text=True))
    # Only the other player's messages carry the form.
    assert report_forms(ann.get(f"/messages/{ZED}").get_data(as_text=True)) == [("message", str(message.id))]
    assert ("teetime", tee_time.code) in report_forms(ann.get(f"/t/{tee_time.code}").get_data(as_text=True))


def test_reporting_each_kind_and_a_repeat_is_a_no_op(player, as_user):
    from tests.safety.test_block import _round

    player(ANN), player(ZED)
    message = messaging.send_message(user(ZED), user(ANN), "spam spam")
    db.session.commit()
    tee_time = _round(ZED)
    ann = as_user(ANN)
    response = send(ann, "user", ZED, "fake", "not a real golfer", next=f"/u/{ZED}")
    assert response.status_code == 303 and response.headers["Location"] == f"/u/{ZED}"
    assert "Thanks for telling us" in ann.get(f"/u/{ZED}").get_data(as_text=True)
    assert send(ann, "message", str(message.id), "spam").status_code == 303
    assert send(ann, "teetime", tee_time.code.lower(), "other").status_code == 303
    assert send(ann, "user", ZED, "harassment").status_code == 303  # the same target again
    zed = user(ZED).id
    assert reports() == [("user", "fake", zed, zed), ("message", "spam", message.id, zed),
                         ("teetime", "other", tee_time.id, zed)]


@pytest.mark.parametrize("form, status", [
    ({"kind": "user", "target": "nobody_here"}, 404),
    ({"kind": "message", "target": "999999"}, 404),
    ({"kind": "message", "target": "abc"}, 404),
    ({"kind": "teetime", "target": "ZZZZZZ"}, 404),
    ({"kind": "planet", "target": ZED}, 422),
    ({"kind": "user", "target": ZED, "reason": "boring"}, 422),
    ({"kind": "user", "target": ZED, "details": "x" * 1001}, 422),
    ({"kind": "user", "target": ANN}, 422),  # yourself
])
def test_bad_reports_are_a_clear_4xx(player, as_user, form, status):
    player(ANN), player(ZED)
    data = {"reason": "spam", **form}
    response = send(as_user(ANN), data["kind"], data["target"], data["reason"], data.get("details", ""))
    assert response.status_code == status
    assert reports() == []


def test_a_message_in_someone_elses_conversation_cannot_be_reported(player, as_user):
    player(ANN), player(ZED), player("carol_c")
    message = messaging.send_message(user(ZED), user("carol_c"), "private")
    db.session.commit()
    assert send(as_user(ANN), "message", str(message.id)).status_code == 404


def test_reports_are_rate_limited(player, as_user):
    player(ANN)
    for n in range(5):
        player(f"p{n}")
    ann = as_user(ANN)
    for n in range(4):
        assert send(ann, "user", f"p{n}").status_code == 303
    assert send(ann, "user", "p4").status_code == 429
    assert len(reports()) == 4


def test_reporting_needs_a_login(client):
    assert post(client, "/report", {"kind": "user", "target": "x", "reason": "spam"}).status_code == 302

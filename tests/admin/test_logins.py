"""The record of sign-in attempts: newest first, filters, pagination, and the failures-per-hour
chart drawn as inline SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from app.admin import services
from app.extensions import db
from app.identity.models import LoginAttempt
from app.privacy import hash_identifier
from tests.support import login

NOW = datetime(2026, 6, 10, 14, 25)


@pytest.fixture
def config_overrides():
    return {"ADMIN_PAGE_SIZE": 4}


@pytest.fixture
def frozen(monkeypatch) -> datetime:
    monkeypatch.setattr(services, "utcnow", lambda: NOW)
    return NOW


def attempt(outcome: str, at: datetime, login_name: str = "ann", user_id: int | None = None) -> None:
    db.session.add(LoginAttempt(
        created_at=at, user_id=user_id, login_hash=hash_identifier(login_name),
        ip_hash=hash_identifier("203.0.113.9"), outcome=outcome,
    ))


def rows(page: str) -> list[tuple[str, str]]:
    """(account, outcome) of each row of the attempts table, top to bottom."""
    return [
        (account, outcome)
        for account, outcome in re.findall(
            r'<tr class="outcome-\w+">\s*<td[^>]*>[^<]+</td>\s*<td[^>]*>([^<]+)</td>\s*'
            r'<td[^>]*>([^<]+)</td>', page
        )
    ]


def chart_of(page: str) -> ET.Element:
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S)
    assert svg, "no chart"
    return ET.fromstring(svg.group(0))


def bars(page: str) -> dict[str, int]:
    ns = "{http://www.w3.org/2000/svg}"
    return {g.get("data-hour"): int(g.get("data-count")) for g in chart_of(page).iter(f"{ns}g")}


def test_attempts_newest_first_with_the_account(app, admin, make_user):
    make_user("ann")
    login(app.test_client(), "ann", "wrong-password-1")
    login(app.test_client(), "ghost", "whatever-pass-1")
    login(app.test_client(), "ann")
    page = admin.get("/admin/logins").get_data(as_text=True)
    # boss signed in first (the admin fixture), so that row is last.
    assert rows(page) == [
        ("ann", "success"), ("(no such account)", "unknown login"), ("ann", "bad password"),
        ("boss", "success"),
    ]
    assert "203.0.113" not in page and "ghost" not in page


def test_filter_by_user_and_outcome(app, admin, make_user):
    make_user("ann")
    make_user("bob")
    for name, password in [("ann", "wrong-password-1"), ("ANN@example.com", "wrong-password-2"),
                           ("ann", None), ("bob", "wrong-password-3")]:
        login(app.test_client(), name, *([password] if password else []))
    # Attempts with the typed name before the account existed count as that user's too.
    attempt("unknown_login", datetime(2026, 1, 1), login_name="ann")
    db.session.commit()

    by_user = admin.get("/admin/logins?user=ann").get_data(as_text=True)
    assert rows(by_user) == [("ann", "success"), ("ann", "bad password"), ("ann", "bad password"),
                             ("(no such account)", "unknown login")]
    by_email = admin.get("/admin/logins?user=ann@example.com&outcome=bad_password").get_data(as_text=True)
    assert rows(by_email) == [("ann", "bad password"), ("ann", "bad password")]
    assert rows(admin.get("/admin/logins?outcome=success").get_data(as_text=True)) == [
        ("ann", "success"), ("boss", "success"),
    ]
    assert rows(admin.get("/admin/logins?user=nobody").get_data(as_text=True)) == []


@pytest.mark.parametrize("query", ["outcome=exploded", "page=0", "page=x", "user=" + "a" * 255])
def test_bad_filters_are_422(admin, query):
    answer = admin.get(f"/admin/logins?{query}")
    assert answer.status_code == 422 and 'class="error"' in answer.get_data(as_text=True)


def test_attempts_are_paginated(admin, frozen):
    for minute in range(6):
        attempt("bad_password", NOW - timedelta(minutes=minute), login_name=f"user{minute}")
    db.session.commit()
    first = admin.get("/admin/logins?outcome=bad_password").get_data(as_text=True)
    assert len(rows(first)) == 4 and "Page 1 of 2" in first
    assert "/admin/logins?outcome=bad_password&amp;page=2" in first
    second = admin.get("/admin/logins?outcome=bad_password&page=2").get_data(as_text=True)
    assert len(rows(second)) == 2


def test_the_chart_counts_failures_per_hour(admin, frozen):
    current = NOW.replace(minute=0)
    for outcome, at in [
        ("bad_password", NOW - timedelta(minutes=1)),            # 14:00 bucket
        ("unknown_login", current),                              # 14:00, on the hour
        ("rate_limited", current - timedelta(minutes=1)),         # 13:00
        ("inactive", current - timedelta(hours=5, minutes=-30)),  # 09:00
        ("bad_password", current - timedelta(hours=23)),          # 15:00 yesterday, the oldest bar
        ("bad_password", current - timedelta(hours=23, seconds=1)),  # just too old
        ("bad_password", NOW - timedelta(days=3)),                # far too old
        ("success", NOW - timedelta(minutes=2)),                  # not a failure
    ]:
        attempt(outcome, at)
    db.session.commit()

    page = admin.get("/admin/logins").get_data(as_text=True)
    counts = bars(page)
    assert len(counts) == 24
    assert list(counts)[0] == "15:00" and list(counts)[-1] == "14:00"
    assert {hour: n for hour, n in counts.items() if n} == {"14:00": 2, "13:00": 1, "09:00": 1, "15:00": 1}
    svg = chart_of(page)
    assert svg.get("data-total") == "5"
    assert "5 failed attempts" in page
    # Drawn on the server: no scripts, no outside assets.
    chart = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    assert "<script" not in chart and "href" not in chart and "src=" not in chart
    # The tallest bar fills the plot; a bar of one is half as tall as a bar of two.
    heights = {g.get("data-hour"): float(g.find("{http://www.w3.org/2000/svg}rect").get("height"))
               for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("data-count") != "0"}
    assert heights["14:00"] == pytest.approx(2 * heights["13:00"])


def test_the_chart_is_empty_without_failures(admin, frozen):
    page = admin.get("/admin/logins").get_data(as_text=True)
    assert set(bars(page).values()) == {0}
    assert "<rect" not in page


def test_failures_by_hour_groups_in_the_database(app, frozen):
    """The grouping expression works on this backend (SQLite strftime or PostgreSQL to_char)."""
    for minutes in (0, 10, 59, 61, 600):
        attempt("bad_password", NOW.replace(minute=59) - timedelta(minutes=minutes))
    db.session.commit()
    hours = services.failures_by_hour(NOW)
    assert [h.strftime("%H") for h, _ in hours][-3:] == ["12", "13", "14"]
    assert dict((h.strftime("%H"), n) for h, n in hours if n) == {"14": 3, "13": 1, "04": 1}

"""Input the fuzz run found answering 500: ids past the 32-bit id columns (PostgreSQL refuses to
compare them), numbers too long for ``int()``, and a Host header Werkzeug cannot bind (the
error page could not build its links)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.core.converters import MAX_ID, digits_at_most
from app.core.forms import bounded_int
from app.extensions import db
from tests.factories import make_member
from tests.support import csrf, login

INT_RULE = re.compile(r"<int:(\w+)>")


def id_rules(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for rule in app.url_map.iter_rules():
        if INT_RULE.search(rule.rule):
            methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
            found.extend((method, rule.rule) for method in methods)
    return sorted(found)


def test_every_id_column_is_32_bit_so_max_id_bounds_them_all(app):
    """MAX_ID is the bound of a PostgreSQL ``integer``: a BigInteger id would need its own."""
    ids = [(table.name, column.name, column.type) for table in db.metadata.sorted_tables
           for column in table.columns if column.name == "id" or column.name.endswith("_id")]
    assert len(ids) > 20
    for table, column, kind in ids:
        if isinstance(kind, sa.Integer):
            assert not isinstance(kind, sa.BigInteger), (table, column)
    assert MAX_ID == 2**31 - 1


def test_the_id_converter_refuses_what_no_id_column_can_hold(app):
    urls = app.url_map.bind("fairway.test")
    assert urls.match(f"/courses/{MAX_ID}") == ("courses.show", {"course_id": MAX_ID})
    for too_big in (MAX_ID + 1, 2**62, 2**63, 10**40):
        with pytest.raises(Exception) as refused:
            urls.match(f"/courses/{too_big}")
        assert getattr(refused.value, "code", None) == 404


@given(limit=st.integers(0, 2**40), number=st.integers(0, 2**42), zeros=st.integers(0, 3))
def test_the_id_pattern_matches_exactly_the_numbers_up_to_its_limit(limit, number, zeros):
    pattern = re.compile(digits_at_most(limit))
    assert bool(pattern.fullmatch("0" * zeros + str(number))) == (number <= limit)
    assert pattern.fullmatch(str(limit)) and not pattern.fullmatch(str(limit + 1))


@pytest.mark.parametrize("too_big", [2**31, 2**32 + 7, 2**62, 2**62 + 1, 2**63, 10**30])
def test_every_id_route_answers_404_past_the_id_columns(app, client, too_big):
    make_member("root", admin=True)
    login(client, "root")
    token = csrf(client, "/settings")
    rules = id_rules(app)
    assert len(rules) >= 12  # courses (5), notifications, admin users (3), jobs, invites, waitlist
    for method, rule in rules:
        url = INT_RULE.sub(str(too_big), rule)
        answer = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert answer.status_code == 404, (method, url, answer.status_code)


@pytest.mark.parametrize(("before", "status"), [
    (str(2**31), 404), (str(2**62), 404), ("9" * 5000, 422), ("0", 422), ("-1", 422), ("x", 422),
    ("١٢", 422), (str(MAX_ID), 200), ("", 200),
])
def test_before_on_a_conversation_is_bounded_like_an_id(app, client, before, status):
    make_member("ann")
    make_member("bob")
    login(client, "ann")
    assert client.get(f"/messages/bob?before={before}").status_code == status


@pytest.mark.parametrize("path", [
    "/messages?page=", "/notifications?page=", "/u/bob/followers?page=", "/u/bob/following?page=",
    "/players?page=", "/players/match?page=", "/players?radius=", "/courses?page=", "/admin/courses?page=",
    "/?page=",
])
def test_a_number_too_long_for_int_is_refused_not_a_crash(app, client, path):
    make_member("root", admin=True, zip="94103")
    make_member("bob", zip="94103")
    login(client, "root")
    answer = client.get(path + "9" * 5000)
    assert answer.status_code == 422, (path, answer.status_code)


def test_bounded_int_checks_the_length_before_converting():
    assert bounded_int("42", 1, 10_000) == 42
    assert bounded_int("10000", 1, 10_000) == 10_000
    assert bounded_int("10001", 1, 10_000) is None
    assert bounded_int("0", 1, 10_000) is None
    assert bounded_int("9" * 5000, 1, 10_000) is None  # int() alone raises ValueError here
    assert bounded_int("²", 1, 10) is None and bounded_int("١", 1, 10) is None
    assert bounded_int(None, 1, 10) is None and bounded_int("", 1, 10) is None


BAD_HOSTS = ["a..b", "x" * 64 + ".example", ".example", "fairway..test:5000", "a." + "b" * 70]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/login"), ("GET", "/no-such-page"), ("GET", "/healthz"),
    ("GET", "/courses/1"), ("POST", "/login"), ("GET", "/r/ABCDEFG"), ("GET", "/static/style.css"),
])
def test_a_host_that_cannot_be_bound_is_a_400_page(app, client, host, method, path):
    answer = client.open(path, method=method, headers={"Host": host})
    assert answer.status_code == 400, (host, path, answer.status_code)
    body = answer.get_data(as_text=True)
    assert "make sense to us" in body and 'href="/"' in body
    assert "default-src 'self'" in answer.headers["Content-Security-Policy"]


def test_a_host_that_cannot_be_bound_gets_json_under_api(app, client):
    answer = client.get("/api/referral/resolve?code=X", headers={"Host": "a..b"})
    assert answer.status_code == 400
    assert answer.is_json and "error" in answer.get_json()


def test_a_signed_in_player_with_a_bad_host_also_gets_a_400(app, client):
    make_member("ann")
    login(client, "ann")
    answer = client.get("/messages", headers={"Host": "a..b"})
    assert answer.status_code == 400
    assert client.get("/messages").status_code == 200  # the session survived it

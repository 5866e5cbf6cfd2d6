"""Every route of the app, fed generated values in its path, query and form fields, by a signed-in
admin (so nothing stops at a login or role check) and anonymously, with ids past the 32-bit id
columns and malformed Host headers among them: no answer is ever a 5xx.

``FUZZ_EXAMPLES`` sets the examples per route and method (default 12, as in CI); ~140 makes a
run of over 10,000 requests. The module prints how many requests it sent and how many answers
were 5xx (``fuzz: ...`` at the end of the run)."""

from __future__ import annotations

import os
import re
import string
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.core.converters import MAX_ID
from app.extensions import db
from app.identity import services as identity
from tests.conftest import SECRET, TEST_DATABASE_URL, _truncate_all
from tests.support import PASSWORD, TOKEN

# Field names the contract and the forms use; each route gets all of them, most are ignored.
QUERY = ("q", "near", "radius", "handicap_min", "handicap_max", "mobility", "drinking", "page",
         "before", "code", "next", "user", "outcome", "status", "date", "slot")
FORM = ("username", "email", "password", "current_password", "login", "remember", "invite_code",
        "display_name", "bio", "handicap", "zip", "drinking", "mobility", "weather", "pace",
        "date", "slot", "body", "uses", "expires", "note", "count", "q")
SKIP = {"/logout", "/static/<path:filename>"}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
hostile = st.one_of(
    text,
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "9" * 40, "' OR 1=1 --", "<script>x</script>",
                     "../../etc/passwd", "%00", "\x00", "２０２６-01-01", "2026-02-30", "ü" * 300,
                     "//evil.example", "javascript:alert(1)", "A" * 5000, "9" * 5000, str(2**31),
                     str(2**62), str(2**63 + 1)]),
)
values = st.dictionaries(st.sampled_from(QUERY + FORM), hostile, max_size=6)

#: What an ``<int:...>`` part gets: small ids (some exist), both sides of the 32-bit bound, and
#: numbers up to and past 64 bits, which PostgreSQL refuses to compare with an integer column.
ids = st.one_of(
    st.integers(0, 50),
    st.integers(MAX_ID - 3, MAX_ID + 3),
    st.integers(MAX_ID + 1, 2**62),
    st.integers(2**62, 2**70),
)

#: Host headers Werkzeug cannot bind (an empty label, a label over 63 characters): a 400 page.
label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)
malformed_host = st.one_of(
    st.tuples(label, label).map(lambda parts: f"{parts[0]}..{parts[1]}"),
    st.integers(64, 250).map(lambda length: "x" * length + ".example"),
    label.map(lambda name: f".{name}"),
    st.sampled_from(["a..b", "fairway..test:5000", "..", "a." + "b" * 64 + ".c"]),
)
#: One request in ten has a malformed Host (it never gets past routing); the rest reach the views.
hosts = st.sampled_from([False] * 9 + [True]).flatmap(lambda bad: malformed_host if bad else st.none())

#: Examples per route and method; CI runs the default.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
#: Requests sent and answers seen, for the summary line.
COUNTS: Counter[str] = Counter()


def url_for_rule(rule: str, params: dict[str, str], id_value: int = 1) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        value = params.get(name, "x")
        if converter == "int":
            return str(id_value)
        return value.replace("/", "_").replace("?", "_").replace("#", "_") or "x"

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, database_template: str) -> Any:
    import shutil

    if TEST_DATABASE_URL:
        _truncate_all(database_template)
        url = database_template
    else:
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                      "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy", "RATELIMIT_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": "memory://", "MAIL_SERVER": None,
                      "PROPAGATE_EXCEPTIONS": False})
    with app.test_request_context():
        identity.create_admin("root", "root@example.com", PASSWORD)
        identity.register("target", "target@example.com", PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def rules(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule in SKIP:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


def summary_line() -> str | None:
    """``fuzz: N requests (...), M answers >= 500``, shown at the end of the run
    (``tests/security/conftest.py``); None when no fuzz request was sent."""
    if not COUNTS["requests"]:
        return None
    return (f"fuzz: {COUNTS['requests']} requests (signed in {COUNTS['signed in']}, anonymous "
            f"{COUNTS['anonymous']}; {COUNTS['big id']} with an id past {MAX_ID}, "
            f"{COUNTS['bad host']} with a malformed Host), {COUNTS['5xx']} answers >= 500")


def test_every_contract_route_is_fuzzed(fuzz_app):
    routes = {rule for _, rule in rules(fuzz_app)}
    for expected in ("/register", "/login", "/r/<code>", "/players", "/api/referral/resolve",
                     "/admin/invites", "/profile/edit"):
        assert expected in routes


def signed_in(app: Flask):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"login": "root", "password": PASSWORD, "csrf_token": token})
    return client, token


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "route" in metafunc.fixturenames:
        app = create_app({"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "REDIS_URL": None, "SESSION_TYPE": "sqlalchemy"})
        found = rules(app)
        metafunc.parametrize("route", found, ids=[f"{m} {r}" for m, r in found])


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path_params=st.dictionaries(st.sampled_from(["username", "code", "token", "name", "step",
                                                    "filename"]),
                                   hostile, max_size=3),
       id_value=ids, fields=values, anonymous=st.booleans(), host=hosts)
def test_no_input_gets_a_server_error(fuzz_app, route, path_params, id_value, fields, anonymous, host):
    method, rule = route
    url = url_for_rule(rule, {"username": "target", **path_params}, id_value)
    if anonymous:
        client, token = fuzz_app.test_client(), None
        page = client.get("/login").get_data(as_text=True)
        token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    else:
        client, token = signed_in(fuzz_app)
    headers = {"Host": host} if host is not None else {}
    with fuzz_app.app_context():
        if method == "GET":
            answer = client.get(url, query_string=fields, headers=headers)
        else:
            answer = client.open(url, method=method, data={**fields, "csrf_token": token}, headers=headers)
        db.session.remove()
    big_id = "<int:" in rule and id_value > MAX_ID
    COUNTS.update(["requests", "anonymous" if anonymous else "signed in"]
                  + (["big id"] if big_id else []) + (["bad host"] if host is not None else [])
                  + (["5xx"] if answer.status_code >= 500 else []))
    assert answer.status_code < 500, (method, url, host, fields, answer.status_code)
    if host is not None:
        assert answer.status_code == 400, (method, url, host, answer.status_code)
    elif big_id:
        assert answer.status_code in (400, 404), (method, url, fields, answer.status_code)

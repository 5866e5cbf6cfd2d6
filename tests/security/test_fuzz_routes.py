"""Every route of the app, fed generated values in its path, query and form fields, by a signed-in
admin (so nothing stops at a login or role check): no answer is ever a 5xx."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
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
                     "//evil.example", "javascript:alert(1)", "A" * 5000]),
)
values = st.dictionaries(st.sampled_from(QUERY + FORM), hostile, max_size=6)


def url_for_rule(rule: str, params: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        value = params.get(name, "x")
        if converter == "int":
            return str(abs(hash(value)) % 1000)
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


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path_params=st.dictionaries(st.sampled_from(["username", "code", "token", "id", "invite_id",
                                                    "entry_id", "user_id", "outbox_id", "filename"]),
                                   hostile, max_size=3),
       fields=values, anonymous=st.booleans())
def test_no_input_gets_a_server_error(fuzz_app, route, path_params, fields, anonymous):
    method, rule = route
    url = url_for_rule(rule, {"username": "target", **path_params})
    if anonymous:
        client, token = fuzz_app.test_client(), None
        page = client.get("/login").get_data(as_text=True)
        token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
    else:
        client, token = signed_in(fuzz_app)
    with fuzz_app.app_context():
        if method == "GET":
            answer = client.get(url, query_string=fields)
        else:
            answer = client.open(url, method=method, data={**fields, "csrf_token": token})
        db.session.remove()
    assert answer.status_code < 500, (method, url, fields, answer.status_code)

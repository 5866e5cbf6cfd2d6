"""Two gunicorn instances on two loopback ports, sharing PostgreSQL and Redis, behave as one site."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SECRET, TEST_DATABASE_URL, TEST_REDIS_URL, free_port
from tests.support import PASSWORD

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL and TEST_REDIS_URL), reason="needs PostgreSQL and Redis (services mode)"
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrf[-_]token"(?: type="hidden")? (?:value|content)="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


class Browser:
    """A cookie jar shared by every instance (cookies ignore the port), like one real browser."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(self, base: str, path: str, data: dict[str, str], token_page: str) -> int:
        _, page = self.request(base + token_page)
        match = TOKEN.search(page)
        assert match, f"no CSRF token on {token_page}"
        status, _ = self.request(base + path, {**data, "csrf_token": match.group(1)})
        return status

    def greeting(self, base: str) -> str | None:
        _, page = self.request(base + "/")
        match = re.search(r"Hi, (\w+)", page)
        return match.group(1) if match else None


def _start(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_ready(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while booting, or slow on a busy machine
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture
def two_sites(database_url: str, redis_url: str) -> Iterator[tuple[str, str]]:
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "MAIL_SERVER": "",
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_LOGIN_ACCOUNT": "3 per 10 minutes",
        "RATELIMIT_LOGIN_IP": "100 per 10 minutes",
    }
    ports = free_port(), free_port()
    servers = [_start(port, env) for port in ports]
    bases = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        deadline = time.monotonic() + 30
        for base in bases:
            _wait_ready(base, deadline)
        yield bases  # type: ignore[misc]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)


def _join(browser: Browser, base: str, username: str) -> None:
    status = browser.post(
        base, "/register",
        {"username": username, "email": f"{username}@example.com", "password": PASSWORD},
        token_page="/register",
    )
    assert status == 303


def _login(browser: Browser, base: str, login: str, password: str = PASSWORD) -> int:
    return browser.post(base, "/login", {"login": login, "password": password}, token_page="/login")


def test_a_login_on_one_instance_is_valid_on_the_other(two_sites):
    a, b = two_sites
    browser = Browser()
    _join(browser, a, "ana")
    assert browser.greeting(b) == "ana"
    assert browser.post(b, "/logout", {}, token_page="/settings") == 303
    assert browser.greeting(a) is None
    assert _login(browser, b, "ana") == 303
    assert browser.greeting(a) == "ana"


def test_a_password_change_on_one_instance_ends_other_sessions_on_both(two_sites):
    a, b = two_sites
    laptop, phone = Browser(), Browser()
    _join(laptop, a, "bea")
    assert _login(phone, b, "bea") == 303
    assert phone.greeting(a) == "bea"
    status = laptop.post(
        a, "/settings/password",
        {"current_password": PASSWORD, "password": "a-brand-new-secret-77"},
        token_page="/settings",
    )
    assert status == 303
    assert phone.greeting(a) is None and phone.greeting(b) is None
    assert laptop.greeting(b) == "bea"


def test_a_login_rate_limit_counts_across_instances(two_sites):
    a, b = two_sites
    _join(Browser(), a, "cal")
    attacker = Browser()
    codes = [_login(attacker, site, "cal", "wrong-password-1") for site in (a, b, a)]
    assert codes == [422, 422, 422]
    assert _login(attacker, b, "CAL", "wrong-password-1") == 429
    assert _login(attacker, a, "cal", PASSWORD) == 429


def _referral_code(browser: Browser, base: str) -> str:
    status, body = browser.request(base + "/api/my-referral-link")
    assert status == 200
    return str(json.loads(body)["referral_code"])


def test_a_link_followed_on_one_instance_counts_on_both_and_refers_on_the_other(two_sites):
    a, b = two_sites
    host = Browser()
    _join(host, a, "dee")
    code = _referral_code(host, a)
    friend = Browser()
    assert friend.request(f"{a}/r/{code}")[0] == 303
    Browser().request(f"{b}/r/{code}")
    _join(friend, b, "eli")  # the memory travels with the browser, not with the instance
    deadline = time.monotonic() + 15  # each instance hands its clicks on within a second
    while time.monotonic() < deadline:
        page = host.request(b + "/referrals")[1]
        if '<dd id="stat-clicks">2</dd>' in page:
            break
        time.sleep(0.2)
    assert '<dd id="stat-clicks">2</dd>' in page
    assert '<dd id="stat-sign-ups">1</dd>' in page and ">eli</a>" in page


def test_an_instance_that_stops_hands_its_clicks_on(database_url: str, redis_url: str) -> None:
    from redis import Redis

    from app.referrals.clicks import REDIS_LIST

    redis = Redis.from_url(redis_url)
    redis.flushdb()
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET,
           "MAIL_SERVER": "", "RATELIMIT_ENABLED": "false", "REFERRAL_CLICK_FLUSH_SECONDS": "3600"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _start(port, env)
    try:
        _wait_ready(base, time.monotonic() + 30)
        host = Browser()
        _join(host, base, "fay")
        code = _referral_code(host, base)
        for _ in range(5):
            assert Browser().request(f"{base}/r/{code}")[0] == 303
        assert redis.llen(REDIS_LIST) == 0  # held by the worker process, not yet handed on
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert redis.llen(REDIS_LIST) == 5

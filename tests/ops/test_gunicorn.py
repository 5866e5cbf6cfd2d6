"""gunicorn with two workers and one ``PROMETHEUS_MULTIPROC_DIR``: whichever worker answers a
scrape reports what both counted; LOG_FORMAT=json makes every stderr line one JSON object."""

from __future__ import annotations

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.referrals import services
from tests.conftest import SECRET, free_port
from tests.ops.conftest import TOKEN, Scrape
from tests.support import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def get(url: str, headers: dict[str, str] | None = None) -> int:
    opener = urllib.request.build_opener(NoRedirect())
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def scrape(base: str) -> Scrape:
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return Scrape(answer.read().decode())


def sign_up(base: str, username: str) -> int:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect())
    with opener.open(base + "/register", timeout=10) as page:
        token = CSRF.search(page.read().decode())
    assert token
    body = urllib.parse.urlencode({"username": username, "email": f"{username}@example.com",
                                   "password": PASSWORD, "csrf_token": token.group(1)}).encode()
    try:
        opener.open(base + "/register", data=body, timeout=10).close()
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@pytest.fixture
def site(database_url: str, redis_url: str | None, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99999999.db").write_bytes(b"left over from an earlier run")
    log = tmp_path / "stderr.log"
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, "MAIL_SERVER": "",
           "RATELIMIT_ENABLED": "false", "METRICS_TOKEN": TOKEN, "LOG_FORMAT": "json",
           "PROMETHEUS_MULTIPROC_DIR": str(folder), "REFERRAL_CLICK_FLUSH_SECONDS": "0.1",
           "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    port = free_port()
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL, stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _healthy(base):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base, folder, log
    finally:
        server.terminate()
        server.wait(timeout=20)


def _healthy(base: str) -> bool:
    try:
        return get(base + "/healthz") == 200
    except OSError:  # refused while booting
        return False


def test_two_workers_are_summed_and_log_json(app, site):
    base, folder, log = site
    assert not (folder / "counter_99999999.db").exists()  # emptied at start
    assert sign_up(base, "ann") == 303
    ann = db.session.scalar(sa.select(User).where(User.username == "ann"))
    code = services.current_code(ann)
    db.session.commit()
    before = scrape(base)
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: get(f"{base}/r/{code}"), range(60)))
    assert statuses == [303] * 60
    pids = {name.rsplit("_", 1)[1] for name in os.listdir(folder) if name.startswith("histogram_")}
    assert len(pids) == 2, pids  # both workers answered some of the clicks

    deadline = time.monotonic() + 15
    while True:  # each worker hands its clicks on within REFERRAL_CLICK_FLUSH_SECONDS
        after = scrape(base)
        clicks = after.value("fairway_referral_clicks_total") - before.value("fairway_referral_clicks_total")
        if clicks == 60 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert clicks == 60
    follow = "fairway_http_request_duration_seconds_count"
    assert after.value(follow, endpoint="referrals.follow", status="303") == 60
    assert after.value("fairway_signups_total") == 1
    assert after.value("fairway_time_to_code_seconds_count") == 1
    # Any worker answers the scrape with the same sums.
    for _ in range(6):
        again = scrape(base)
        assert again.value(follow, endpoint="referrals.follow", status="303") == 60
        assert again.value("fairway_signups_total") == 1

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line, gunicorn's own too, is JSON
    clicked = [e for e in entries if e.get("route") == "/r/<code>"]
    assert len(clicked) == 60
    assert all(e["status"] == 303 and re.fullmatch(r"[0-9a-f]{16}", e["request_id"]) for e in clicked)
    assert len({e["request_id"] for e in clicked}) == 60
    assert code not in log.read_text()

"""Browser fixtures: the test app served over HTTP on a loopback port, and Debian's Chromium
driven by Playwright. Both test modes work: embedded (SQLite, jobs inline) and services
(PostgreSQL, Redis, mail only through the RQ worker, which ``inbox`` drains first).

Chromium missing is a failure, never a skip: CI installs it (``.ci/run``)."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.conftest import Mail, SmtpSink, free_port

CHROMIUM = os.environ.get("FAIRWAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


@dataclass
class LiveServer:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output shows what went wrong, not every request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_port() -> int:
    return free_port()


@pytest.fixture
def config_overrides(live_port: int) -> dict[str, Any]:
    """Links in mail must lead back to the live server. A test module extends this fixture
    (``def config_overrides(config_overrides)``) to change more settings."""
    return {"APP_BASE_URL": f"http://127.0.0.1:{live_port}"}


@pytest.fixture
def live_server(app, live_port: int) -> Iterator[LiveServer]:
    """The ``app`` fixture's application over real HTTP, one thread per request."""
    server = make_server("127.0.0.1", live_port, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{live_port}", server=server, thread=thread)
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need it "
            "(apt-get install chromium chromium-driver).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Shots:
    """Full-page screenshots of one test, numbered in the order they were taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Any, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink(missing_ok=True)
    return Shots(folder)


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Remember whether the test itself failed, so ``new_page`` can photograph the pages."""
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Any, live_server: LiveServer, shots: Shots
) -> Iterator[Callable[..., Any]]:
    """``new_page()``: a page in a browser context of its own (its own cookies), as if a
    different person on a different device. ``width`` sets the viewport width. When the test
    fails, every open page is saved as a ``failed-*`` screenshot."""
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 900, **options: Any) -> Any:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    if request.node.stash.get(FAILED, False):
        for context in contexts:
            for page in context.pages:
                shots(page, "failed")
    for context in contexts:
        context.close()


@pytest.fixture
def inbox(mailbox: SmtpSink, drain: Callable[[], None]) -> Callable[..., Mail]:
    """``inbox(address, "Confirm")``: the newest mail to ``address`` whose subject holds the
    words, after the worker (services mode) has sent what was queued."""

    def newest(address: str, subject: str, timeout: float = 10.0) -> Mail:
        deadline = time.monotonic() + timeout
        while True:
            drain()
            found = [m for m in mailbox.to(address) if subject.lower() in m.subject.lower()]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [(m.to, m.subject) for m in mailbox.messages]
                raise AssertionError(f"no mail {subject!r} to {address}; the sink holds {seen}")
            time.sleep(0.1)

    return newest

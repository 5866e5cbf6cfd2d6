"""The container and dependency files, read as docker and pip would (docker does not run here):
one image built once and shared, pinned third-party images, restart policies, a worker
healthcheck that really tells a live worker from a dead one, an avatars folder the app user
owns, and lock files that pin every dependency pyproject.toml names."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = {"migrate", "web", "worker"}
LONG_RUNNING = {"postgres", "redis", "mailpit", "web", "worker"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_one_image_is_built_once_and_shared(compose):
    services = compose["services"]
    built = [name for name, service in services.items() if "build" in service]
    assert built == ["migrate"]
    image = services["migrate"]["image"]
    assert {name for name, service in services.items() if service.get("image") == image} == APP_SERVICES
    # Every other app service waits for the one that builds, so `up web` or `up worker` builds it.
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_third_party_images_are_pinned_to_a_release(compose):
    for name, service in compose["services"].items():
        if name in APP_SERVICES:
            continue
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:v?\d+\.\d+(\.\d+)?(-[\w.]+)?", image), f"{name}: {image} is not pinned"
    base = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("FROM "))
    assert re.fullmatch(r"FROM python:\d+\.\d+\.\d+-slim-\w+", base), base


def test_services_restart_and_the_one_off_migration_does_not(compose):
    services = compose["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["restart"] == "no"


def test_every_long_running_service_but_mail_has_a_healthcheck(compose, dockerfile):
    services = compose["services"]
    for name in LONG_RUNNING - {"mailpit"}:
        assert services[name]["healthcheck"]["test"], name
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "worker_healthcheck.py"]
    assert "COPY docker/worker_healthcheck.py ./" in dockerfile


def test_the_avatars_folder_is_made_and_owned_by_the_app_user(compose, dockerfile):
    folder = compose["x-app-env"]["AVATAR_DIR"]
    assert f"avatars:{folder}" in compose["services"]["web"]["volumes"]
    user = next(line.split()[1] for line in dockerfile if line.startswith("USER "))
    runs = [line for line in dockerfile[: dockerfile.index(f"USER {user}")] if line.startswith("RUN ")]
    made = [line for line in runs if re.search(rf"mkdir -p [^&]*{re.escape(folder)}\b", line)]
    owned = [line for line in runs if re.search(rf"chown {user}(:{user})? [^&]*{re.escape(folder)}\b", line)]
    assert made and owned


def test_image_ci_and_make_install_from_the_lock_files(dockerfile):
    assert "RUN pip install -r requirements.lock" in dockerfile
    assert "RUN pip install -c requirements.lock ." in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/pip install --quiet -c requirements-dev.lock -e '.[dev]'" in makefile
    assert "make .venv/.installed" in (ROOT / ".ci" / "run").read_text()


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def test_the_lock_files_pin_every_dependency_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for lock, names in ((runtime, project["dependencies"]),
                        (dev, project["dependencies"] + project["optional-dependencies"]["dev"])):
        for spec in names:
            requirement = Requirement(spec)
            name = canonicalize_name(requirement.name)
            assert name in lock, f"{name} is not in the lock: run make lock"
            assert requirement.specifier.contains(lock[name], prereleases=True), (name, lock[name])
    # The app runs on the same versions in the image as in the tests.
    assert {name: dev[name] for name in runtime} == runtime


# --- the worker healthcheck ------------------------------------------------------------------


def healthcheck(redis_url: str) -> subprocess.CompletedProcess[str]:
    script = ROOT / "docker" / "worker_healthcheck.py"
    return subprocess.run([sys.executable, str(script)], env=dict(os.environ, REDIS_URL=redis_url),
                          capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (services mode)")
def test_the_worker_healthcheck_tells_a_live_worker_from_a_dead_one(app, database_url):
    redis_url = app.config["REDIS_URL"]
    before = healthcheck(redis_url)
    assert before.returncode == 1 and "no live RQ worker" in before.stderr

    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=app.config["SECRET_KEY"], MAIL_SERVER="127.0.0.1",
               MAIL_PORT=str(app.config["MAIL_PORT"]))
    env.pop("FLASK_ENV", None)
    flask = str(Path(sys.executable).with_name("flask"))
    worker = subprocess.Popen([flask, "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while (result := healthcheck(redis_url)).returncode != 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert result.returncode == 0, result.stderr
    finally:
        # Killed outright: its registration stays in Redis, but no process answers for it.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    after = healthcheck(redis_url)
    assert after.returncode == 1 and "no live RQ worker" in after.stderr

    away = healthcheck("redis://127.0.0.1:1/0")
    assert away.returncode == 1 and "cannot read the worker registry" in away.stderr

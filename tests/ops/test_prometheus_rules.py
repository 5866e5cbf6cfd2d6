"""The rules in ops/prometheus/ are valid (``promtool check rules``), their unit tests pass
(``promtool test rules``), and every series they and the Grafana dashboard read is one the
app exports or a rule records. promtool comes with Debian's ``prometheus`` package; without it
these tests fail (``.ci/run`` installs it)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.referrals import clicks
from tests.support import register

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "ops" / "prometheus" / "rules" / "fairway.rules.yml"
RULE_TESTS = ROOT / "ops" / "prometheus" / "tests" / "fairway.test.yml"
DASHBOARD = ROOT / "ops" / "grafana" / "dashboards" / "fairway.json"
SERIES = re.compile(r"\bfairway_[a-z0-9_]+")
RECORDED = re.compile(r"\bfairway:[a-z0-9_:]+")
#: read from Redis: absent in embedded mode, where jobs run inline
ONLY_WITH_REDIS = {"fairway_rq_workers"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is not installed (Debian package prometheus); the rules cannot be checked")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, cwd=RULE_TESTS.parent,
                          timeout=120)


def test_promtool_checks_the_rules():
    result = run("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_runs_the_rules_unit_tests():
    result = run("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_checks_the_compose_prometheus_config(tmp_path):
    """ops/prometheus/prometheus.yml with its container paths pointed at this checkout."""
    token = tmp_path / "metrics_token"
    token.write_text("x" * 32)
    config = (RULES.parents[1] / "prometheus.yml").read_text()
    config = config.replace("/tmp/metrics_token", str(token))
    config = config.replace("/etc/prometheus/rules/", str(RULES.parent) + "/")
    (tmp_path / "prometheus.yml").write_text(config)
    result = run("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "31 rules found" in result.stdout


def _exported_names(text: str) -> set[str]:
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def _known(name: str, exported: set[str]) -> bool:
    if name in exported:
        return True
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name[: -len(suffix)] in exported:
            return True
    return False


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_rules_and_dashboard_read_only_series_that_exist(app, client, scrape):
    register(client, "ann")
    clicks.buffer(app).hand_on()
    text = scrape().text
    exported = _exported_names(text)
    if app.extensions.get("fairway.redis") is None:
        exported |= ONLY_WITH_REDIS
    # The SLO rules count sign-ups within 1 s by this bucket's exact label.
    assert 'fairway_time_to_code_seconds_bucket{le="1.0"}' in text
    rules = RULES.read_text()
    recorded = set(re.findall(r"record: (\S+)", rules))
    texts = [rules, *queries()]
    for text in texts:
        for name in SERIES.findall(text):
            assert _known(name, exported), name
        for name in RECORDED.findall(text):
            assert name in recorded, name
    assert len(queries()) >= 10

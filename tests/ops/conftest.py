"""Fixtures for the operations suites: an app with metrics on, a scrape parsed into samples."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import FreshRequestClient

TOKEN = "test-metrics-token-0123456789"


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"METRICS_TOKEN": TOKEN}


@pytest.fixture(autouse=True)
def fresh_clients(app) -> None:
    app.test_client_class = FreshRequestClient


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape: (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class Scrape:
    """One answer of ``/metrics``, with its samples picked out."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = parse(text)

    def value(self, name: str, **labels: str) -> float:
        """The sum over every sample of ``name`` whose labels include ``labels`` (0 if none)."""
        wanted = set(labels.items())
        return sum(value for (found, got), value in self.samples.items()
                   if found == name and wanted <= set(got))

    def has(self, name: str) -> bool:
        return any(found == name for found, _ in self.samples)


class Scraper:
    """Reads ``/metrics`` the way Prometheus does."""

    def __init__(self, client: FreshRequestClient) -> None:
        self.client = client

    def __call__(self) -> Scrape:
        answer = self.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200, answer.status_code
        return Scrape(answer.get_data(as_text=True))


@pytest.fixture
def scrape(app) -> Scraper:
    return Scraper(app.test_client())

"""Fixtures for the foundation suites."""

from __future__ import annotations

import pytest

from tests.conftest import FreshRequestClient


@pytest.fixture(autouse=True)
def fresh_clients(request) -> None:
    """Every ``app.test_client()`` starts each request with an empty ``g``, like ``client``."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").test_client_class = FreshRequestClient

"""Fixtures for this social suite: ``as_user`` (signed-in clients); accounts come from the
``make_user`` fixture of tests/conftest.py."""

from tests.following.players import as_user

__all__ = ["as_user"]

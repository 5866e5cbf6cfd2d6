"""Fixtures for this social suite: ``make_user`` (fast accounts) and ``as_user`` (signed-in clients)."""

from tests.following.players import as_user, make_user

__all__ = ["as_user", "make_user"]

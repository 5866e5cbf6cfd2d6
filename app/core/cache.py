"""Per-process state: one object per app, and a small cache for answers that may be a little
old but are asked for often."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import Flask, current_app

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def per_app(name: str, make: Callable[[Flask], T], app: Flask | None = None) -> T:
    """The app's one ``name`` object (kept in ``app.extensions``), made by ``make(app)`` on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(name)
    if found is None:
        found = app.extensions.setdefault(name, make(app))
    return found  # type: ignore[no-any-return]


class SharedTTLCache(TTLCache[K, V]):
    """cachetools' ``TTLCache`` (``size`` entries, each kept ``seconds``; the oldest goes first
    when it is full) behind a lock, as a web process's threads share it. ``seconds <= 0``
    keeps nothing."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        super().__init__(maxsize=size, ttl=max(seconds, 0))
        self._lock = threading.Lock()

    def get(self, key: K, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def put(self, key: K, value: V) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self[key] = value

    def clear(self) -> None:
        with self._lock:
            super().clear()

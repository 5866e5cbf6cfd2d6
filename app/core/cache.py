"""Per-process state: one object per app, and a small cache for answers that may be a little
old but are asked for often."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

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


class ExpiringCache(Generic[K, V]):
    """Keeps up to ``size`` entries for ``seconds`` each; the oldest stored goes first when it
    is full. ``seconds <= 0`` keeps nothing. Safe to share between a worker's threads."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

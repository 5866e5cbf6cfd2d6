"""How counts and times read, in one place for pages, mail and flashes (also the ``plural`` and
``when`` template filters)."""

from __future__ import annotations

from datetime import date, datetime

#: Timestamps are stored and shown in UTC for now; local time would change only ``when``.
FORMATS = {
    "minute": "%Y-%m-%d %H:%M UTC",
    "second": "%Y-%m-%d %H:%M:%S UTC",
    "date": "%Y-%m-%d",
    "day": "%a %b %-d",
}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``word`` as it goes with ``count``: "1 player", "3 players" (``many`` when the plural is
    not ``word + "s"``). The number itself stays with the caller, which may mark it up."""
    return word if count == 1 else (many or word + "s")


def when(moment: datetime | date, precision: str = "minute") -> str:
    """A timestamp in Fairway's one format: ``2026-12-01 14:05 UTC``; ``precision`` "second"
    adds the seconds, "date" gives the day alone, "day" a weekday ("Tue Dec 1")."""
    return moment.strftime(FORMATS[precision])

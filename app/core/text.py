"""How counts and times read, in one place for pages, mail and flashes (also the ``plural`` and
``when`` template filters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape

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


#: Links found in what players write become these, and only these (no javascript:, no ftp).
LINK_SCHEMAS = ("http:", "https:", "mailto:")
_linkify: Any = None


def linkify(text: str) -> Markup:
    """``text`` escaped, with its web and mail addresses made links that pass no ranking, no
    opener and are marked as written by a user (``rel="nofollow noopener ugc"``). Found by
    linkify-it-py, a kept library, rather than a home-made pattern."""
    global _linkify
    if _linkify is None:
        from linkify_it import LinkifyIt

        _linkify = LinkifyIt()
    found = _linkify.match(text) or []
    parts: list[str] = []
    last = 0
    for link in found:
        if not link.url.lower().startswith(LINK_SCHEMAS):
            continue
        parts.append(escape(text[last:link.index]))
        parts.append(f'<a href="{escape(link.url)}" rel="nofollow noopener ugc">{escape(link.text)}</a>')
        last = link.last_index
    parts.append(escape(text[last:]))
    return Markup("".join(parts))

"""How counts and times read, in one place for pages, mail and flashes (also the ``plural`` and
``when`` template filters)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from app.clock import utcnow
from app.core import zones

#: How times read (one format for pages, mail and flashes). Stored times are naive UTC; ``when``
#: shows them on the viewer's clock with the zone's abbreviation. The year shows only when it is
#: not the current one.
FORMATS = {
    "minute": "%a %b %-d{year}, %-I:%M %p %Z",
    "second": "%a %b %-d{year}, %-I:%M:%S %p %Z",
    "date": "%b %-d, %Y",
    "day": "%a %b %-d",
}


def plural(count: int, word: str, many: str | None = None) -> str:
    """``word`` as it goes with ``count``: "1 player", "3 players" (``many`` when the plural is
    not ``word + "s"``). The number itself stays with the caller, which may mark it up."""
    return word if count == 1 else (many or word + "s")


def shortened(text: str, most: int) -> str:
    """``text`` cut to at most ``most`` characters, an ellipsis marking the cut."""
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def when(moment: datetime | date, precision: str = "minute", zone: ZoneInfo | str | None = None) -> str:
    """A time in Fairway's one format, on the clock of ``zone`` (default: the signed-in viewer's
    zone, UTC outside a request; mail passes its recipient's): "Tue Dec 1, 6:05 AM PST".
    ``precision`` "second" adds the seconds, "date" gives the day alone ("Dec 1, 2026"), "day" a
    weekday ("Tue Dec 1"). A naive datetime is UTC, as stored; a ``date`` is shown as it is."""
    if not isinstance(moment, datetime):
        return moment.strftime(FORMATS[precision].replace("{year}", ""))
    if isinstance(zone, str):
        zone = zones.zone_named(zone) or zones.UTC_ZONE
    viewing = zone or zones.viewer_zone()
    local = zones.in_zone(moment, viewing)
    year = "" if local.year == zones.in_zone(utcnow(), viewing).year else " %Y"
    return local.strftime(FORMATS[precision].replace("{year}", year))


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

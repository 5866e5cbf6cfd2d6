"""Reading timeline cards out of the home page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

CARD = re.compile(r'<li class="card tl-card tl-(\w+)">(.*?)</li>', re.S)


@dataclass
class PageCard:
    kind: str
    title: str
    body: str

    @property
    def links(self) -> list[str]:
        return re.findall(r'<a [^>]*href="([^"]+)"', self.body)

    @property
    def forms(self) -> list[str]:
        return re.findall(r'<form [^>]*action="([^"]+)"', self.body)

    @property
    def actions(self) -> list[tuple[str, str]]:
        """Every way to act on the card: ("get", href) for links, ("post", action) for forms."""
        return [("get", href) for href in self.links] + [("post", action) for action in self.forms]


def cards(page: str) -> list[PageCard]:
    found = []
    for kind, body in CARD.findall(page):
        title = re.search(r"<h2>(.*?)</h2>", body, re.S)
        found.append(PageCard(kind, html.unescape(title.group(1)) if title else "", body))
    return found


def kinds(page: str) -> list[str]:
    return [card.kind for card in cards(page)]

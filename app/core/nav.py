"""The navigation bar: areas add their links and unread badges here instead of editing the layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, url_for


@dataclass(frozen=True)
class NavLink:
    label: str
    endpoint: str
    badge: str | None = None
    role: str | None = None


def add_link(app: Flask, link: NavLink) -> None:
    app.extensions.setdefault("fairway.nav_links", []).append(link)


def add_badge(app: Flask, name: str, count: Callable[[Any], int]) -> None:
    """``count(user)`` gives the number shown beside links with ``badge=name``; keep it one cheap query."""
    app.extensions.setdefault("fairway.nav_badges", {})[name] = count


def nav_context(app: Flask, user: Any) -> dict[str, Any]:
    if not user.is_authenticated:
        return {"nav_links": [], "nav_badges": {}}
    links = [
        {"label": link.label, "url": url_for(link.endpoint), "badge": link.badge}
        for link in app.extensions.get("fairway.nav_links", [])
        if link.role is None or user.can(link.role)
    ]
    badges = app.extensions.get("fairway.nav_badges", {})
    return {"nav_links": links, "nav_badges": {name: count(user) for name, count in badges.items()}}


def add_panel(app: Flask, page: str, template: str) -> None:
    """Let an area put a template on another area's page (``page`` names the spot, e.g.
    ``"profile"``); the page renders ``{% for panel in panels("profile") %}{% include panel %}``."""
    app.extensions.setdefault("fairway.panels", {}).setdefault(page, []).append(template)


def panels(app: Flask, page: str) -> list[str]:
    return list(app.extensions.get("fairway.panels", {}).get(page, []))

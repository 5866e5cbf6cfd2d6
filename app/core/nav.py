"""The navigation bar: areas add their links and unread badges here instead of editing the layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for


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


@dataclass(frozen=True)
class Panel:
    """One area's part of another area's page: its template, and what it shows (``panel.data``)."""

    template: str
    data: Any = None


def add_panel(app: Flask, page: str, template: str, gather: Callable[..., Any] | None = None) -> None:
    """Let an area put a template on another area's page (``page`` names the spot, e.g.
    ``"profile"``). ``gather(viewer, **page_values)`` collects what it shows: the page's view
    calls it through ``gather_panels`` before rendering, so the template never queries."""
    app.extensions.setdefault("fairway.panels", {}).setdefault(page, []).append((template, gather))


def gather_panels(page: str, viewer: Any, **values: Any) -> list[Panel]:
    """The panels of ``page`` with their data, for the view to pass as ``panels``; the page
    renders ``{% for panel in panels %}{% include panel.template %}{% endfor %}``."""
    app = current_app
    return [
        Panel(template, gather(viewer, **values) if gather is not None else None)
        for template, gather in app.extensions.get("fairway.panels", {}).get(page, [])
    ]

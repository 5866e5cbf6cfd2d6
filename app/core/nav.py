"""The navigation bar: areas add their links and unread badges here instead of editing the layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, url_for

from app.extensions import db

#: The bar shows at most this many primary links; the rest go in the account menu.
PRIMARY_MOST = 6


@dataclass(frozen=True)
class NavLink:
    """A link of the navigation: ``menu="primary"`` in the bar (at most ``PRIMARY_MOST``),
    ``menu="account"`` in the account menu beside it."""

    label: str
    endpoint: str
    badge: str | None = None
    role: str | None = None
    menu: str = "primary"


def add_link(app: Flask, link: NavLink) -> None:
    app.extensions.setdefault("fairway.nav_links", []).append(link)


def add_badge(app: Flask, name: str, count: Callable[[Any], int],
              query: Callable[[Any], sa.Select[Any]] | None = None) -> None:
    """``count(user)`` gives the number shown beside links with ``badge=name``; keep it one cheap
    query. ``query(user)``, that count as a one-value SELECT, lets ``badge_counts`` ask for every
    badge in one statement (the live badges poll it)."""
    app.extensions.setdefault("fairway.nav_badges", {})[name] = count
    app.extensions.pop("fairway.nav_statement", None)  # built again with this badge
    if query is not None:
        app.extensions.setdefault("fairway.badge_queries", {})[name] = query


def badge_counts(user: Any) -> dict[str, int]:
    """Every badge's count for ``user`` in one statement (a scalar subquery each, each on its
    own index): what ``/api/badges`` answers every few seconds for every open page."""
    queries = current_app.extensions.get("fairway.badge_queries", {})
    if not queries:
        return {}
    names = sorted(queries)
    row = db.session.execute(
        sa.select(*[queries[name](user).scalar_subquery().label(name) for name in names])
    ).one()
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def set_display_name(app: Flask, name: Callable[[Any], str],
                     query: Callable[[Any], sa.Select[Any]] | None = None) -> None:
    """``name(user)`` gives the name the navigation greets a player by (their display name);
    ``query(user)``, that name as a one-value SELECT (NULL or empty: the username), lets the
    navigation read it in the badges' statement."""
    app.extensions["fairway.display_name"] = name
    app.extensions.pop("fairway.nav_statement", None)
    if query is not None:
        app.extensions["fairway.display_name_query"] = query


def add_fact(app: Flask, name: str, query: Callable[[Any], sa.Select[Any]]) -> None:
    """``query(user)``, a one-value SELECT about the signed-in player (their home zip, say), read
    in the navigation's statement so that a page asks nothing more for it: :func:`nav_fact`."""
    app.extensions.setdefault("fairway.nav_facts", {})[name] = query
    app.extensions.pop("fairway.nav_statement", None)


class _AnyPlayer:
    """Stands for the player while the navigation's statement is built: its ``id`` is a bound
    parameter, so the statement is built once per app and run for every player."""

    id = sa.bindparam("nav_user_id", type_=sa.Integer)
    is_authenticated = True


def _nav_statement(app: Flask) -> tuple[list[str], bool, list[str], sa.Select[Any]] | None:
    """The badges' counts, the player's name and the facts as one statement (a scalar subquery
    each), built on first use and kept: building it cost more than running it. None when a badge
    or the name was registered without its query."""
    cached = app.extensions.get("fairway.nav_statement")
    if cached is not None:
        return cached or None
    counts = app.extensions.get("fairway.nav_badges", {})
    queries = app.extensions.get("fairway.badge_queries", {})
    facts = app.extensions.get("fairway.nav_facts", {})
    name = app.extensions.get("fairway.display_name")
    name_query = app.extensions.get("fairway.display_name_query")
    built: Any = ()
    if set(queries) == set(counts) and (name is None or name_query is not None) and (queries or name_query):
        names = sorted(queries)
        columns = [queries[badge](_AnyPlayer()).scalar_subquery().label(badge) for badge in names]
        fact_names = sorted(facts)
        columns += [facts[fact](_AnyPlayer()).scalar_subquery().label(f"fact_{fact}") for fact in fact_names]
        if name_query is not None:
            columns.append(name_query(_AnyPlayer()).scalar_subquery().label("fairway_display_name"))
        built = (names, name_query is not None, fact_names, sa.select(*columns))
    app.extensions["fairway.nav_statement"] = built
    return built or None


_UNKNOWN = object()


def _nav_values(app: Flask, user: Any) -> tuple[dict[str, int], str, dict[str, Any]]:
    """The badges' counts, the player's name and the facts: one statement when every badge and
    the name come with their query, as Fairway's areas register them (otherwise each asks on its
    own, and there are no facts); run once a request, by whoever asks first."""
    kept = g.get("fairway_nav") if has_request_context() else None
    if kept is not None and kept[0] == user.id:
        return kept[1]
    statement = _nav_statement(app)
    if statement is not None:
        names, with_name, fact_names, select = statement
        row = db.session.connection().execute(select, {"nav_user_id": user.id}).one()
        badges = {badge: int(value or 0) for badge, value in zip(names, row, strict=False)}
        facts = dict(zip(fact_names, row[len(names):len(names) + len(fact_names)], strict=True))
        shown = row[-1] if with_name else None
        values = (badges, shown or user.username, facts)
    else:
        counts = app.extensions.get("fairway.nav_badges", {})
        name = app.extensions.get("fairway.display_name")
        values = ({badge: count(user) for badge, count in counts.items()},
                  (name(user) if name is not None else "") or user.username, {})
    if has_request_context():
        g.fairway_nav = (user.id, values)
    return values


def nav_fact(user: Any, name: str, default: Any = _UNKNOWN) -> Any:
    """A fact of :func:`add_fact` about the signed-in ``user``, read with the navigation (at most
    one statement a request, shared with the page's navigation); ``default`` outside a request,
    for another player, or when the navigation cannot read facts."""
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated or current_user.id != user.id:
        return default
    facts = _nav_values(current_app._get_current_object(), user)[2]  # type: ignore[attr-defined]
    return facts.get(name, default)


def nav_context(app: Flask, user: Any) -> dict[str, Any]:
    if not user.is_authenticated:
        return {"nav_links": [], "account_links": [], "nav_badges": {}, "nav_name": None}
    links = [
        {"label": link.label, "url": url_for(link.endpoint), "badge": link.badge, "menu": link.menu}
        for link in app.extensions.get("fairway.nav_links", [])
        if link.role is None or user.can(link.role)
    ]
    primary = [link for link in links if link["menu"] == "primary"]
    if len(primary) > PRIMARY_MOST:
        raise RuntimeError(f"the navigation holds at most {PRIMARY_MOST} primary links: {primary}")
    badges, name, _ = _nav_values(app, user)
    return {
        "nav_links": primary, "account_links": [link for link in links if link["menu"] == "account"],
        "nav_badges": badges, "nav_name": name,
    }


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

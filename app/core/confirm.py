"""Asking first: actions that are hard to undo. With JavaScript a ``<dialog>`` asks
(``static/app.js``, forms with ``data-confirm``); without it the button is a link to
``GET /confirm?do=<path>``, a page that asks and holds the same POST button. The page only
offers the actions named here, with their own words, so a crafted link can't dress up
another POST as something harmless."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, render_template, request
from flask_login import login_required
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.core import bp


@dataclass(frozen=True)
class Confirmation:
    question: str
    label: str
    danger: bool = True


#: Endpoint → what the page asks and what its button says.
CONFIRMATIONS: dict[str, Confirmation] = {
    "teetimes.cancel": Confirmation("Cancel this round? Everyone who joined is told.", "Cancel the round"),
    "teetimes.remove": Confirmation("Take {username} off this round? They are told.", "Remove"),
    "admin.deactivate": Confirmation("Deactivate this account? The player is signed out everywhere.",
                                     "Deactivate"),
    "admin.reset_password": Confirmation(
        "Reset this player's password? Their sessions end and they are mailed a link.", "Reset password"),
    "referrals.rotate": Confirmation("Get a new referral link? Links you shared before keep working.",
                                     "Get a new link", danger=False),
}


def confirmation_for(path: str) -> tuple[Confirmation, Mapping[str, Any]] | None:
    """The confirmation for a POST to ``path`` (a local path), with the path's arguments."""
    if not path.startswith("/") or path.startswith("//"):
        return None
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, args = adapter.match(path, method="POST")
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    found = CONFIRMATIONS.get(str(endpoint))
    return (found, args) if found is not None else None


def ask_first(path: str) -> str | None:
    """The question to ask before a POST to ``path`` (for templates), or None."""
    found = confirmation_for(path)
    if found is None:
        return None
    confirmation, args = found
    return confirmation.question.format(**{key: str(value) for key, value in args.items()})


bp.add_app_template_global(ask_first)


@bp.get("/confirm")
@login_required
def confirm() -> str:
    path = request.args.get("do", "")
    found = confirmation_for(path)
    if found is None:
        abort(404)
    confirmation, _ = found
    question = ask_first(path)
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return render_template(
        "confirm.html", action=path, question=question, confirmation=confirmation, back=back,
    )

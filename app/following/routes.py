"""Follow, unfollow and fist-bump buttons, and the followers/following lists."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.nav import Panel
from app.core.views import page_arg, refused, wants_fragment
from app.following import bp, services
from app.identity.access import safe_next
from app.identity.models import User
from app.profiles.editing import display_names
from app.safety.services import Unreachable, hidden_from


def _target(username: str, *, hide_blocked: bool = False) -> User:
    """The player named in the path; with ``hide_blocked``, 404 for a player who blocked the
    viewer (their lists, like their profile). Actions answer 403 instead (the services ask)."""
    user = services.active_user(username)
    if user is None or (hide_blocked and hidden_from(current_user, user)):
        abort(404)
    return user


def _back(user: User, message: str | None, category: str = "success") -> Response | str:
    """To the player's profile, or to ``?next=`` (a local path) for buttons shown elsewhere,
    like a timeline card's Follow. From htmx: the profile's following panel, redrawn in place
    with ``message`` in it (a flash would only show on the next full page)."""
    if wants_fragment():
        return render_template(
            "following/_profile_panel.html", profile_user=user, status=message,
            panel=Panel("following/_profile_panel.html", services.profile_panel(current_user, user)),
        )
    if message:
        flash(message, category)
    target = request.args.get("next")
    return redirect(safe_next(target) if target else url_for("profiles.show", username=user.username), 303)


@bp.route("/u/<username>/follow", methods=["POST"])
@login_required
def follow(username: str) -> Response | str | tuple[str, int]:
    target = _target(username)
    try:
        new = services.follow(current_user, target)
    except Unreachable as exc:
        return refused(403, str(exc))
    except services.FollowingError as exc:
        return refused(422, str(exc))
    if new:
        return _back(target, f"You follow {target.username} now.")
    return _back(target, f"You already follow {target.username}.", "info")


@bp.route("/u/<username>/unfollow", methods=["POST"])
@login_required
def unfollow(username: str) -> Response | str:
    target = _target(username)
    unfollowed = services.unfollow(current_user, target)
    return _back(target, f"You no longer follow {target.username}." if unfollowed else None)


@bp.route("/u/<username>/fistbump", methods=["POST"])
@login_required
def fistbump(username: str) -> Response | str | tuple[str, int]:
    target = _target(username)
    try:
        services.fist_bump(current_user, target)
    except Unreachable as exc:
        return refused(403, str(exc))
    except services.TooSoon as exc:
        return refused(429, str(exc))
    except services.FollowingError as exc:
        return refused(422, str(exc))
    return _back(target, f"You fist bumped {target.username}.")


@bp.route("/u/<username>/followers")
@login_required
def followers(username: str) -> str:
    user = _target(username, hide_blocked=True)
    people = services.followers_page(user, page_arg(), current_user)
    return render_template(
        "following/people.html", profile_user=user, kind="followers", people=people,
        names=display_names([person.id for person in people.users]),
    )


@bp.route("/u/<username>/following")
@login_required
def following(username: str) -> str:
    user = _target(username, hide_blocked=True)
    people = services.following_page(user, page_arg(), current_user)
    return render_template(
        "following/people.html", profile_user=user, kind="following", people=people,
        names=display_names([person.id for person in people.users]),
    )

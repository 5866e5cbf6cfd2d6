"""Follow, unfollow and fist-bump buttons, and the followers/following lists."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.views import page_arg, refused
from app.following import bp, services
from app.identity.access import safe_next
from app.identity.models import User
from app.safety.services import Unreachable, hidden_from


def _target(username: str, *, hide_blocked: bool = False) -> User:
    """The player named in the path; with ``hide_blocked``, 404 for a player who blocked the
    viewer (their lists, like their profile). Actions answer 403 instead (the services ask)."""
    user = services.active_user(username)
    if user is None or (hide_blocked and hidden_from(current_user, user)):
        abort(404)
    return user


def _back(user: User) -> Response:
    """To the player's profile, or to ``?next=`` (a local path) for buttons shown elsewhere,
    like a timeline card's Follow."""
    target = request.args.get("next")
    return redirect(safe_next(target) if target else url_for("profiles.show", username=user.username), 303)


@bp.route("/u/<username>/follow", methods=["POST"])
@login_required
def follow(username: str) -> Response | tuple[str, int]:
    target = _target(username)
    try:
        new = services.follow(current_user, target)
    except Unreachable as exc:
        return refused(403, str(exc))
    except services.FollowingError as exc:
        return refused(422, str(exc))
    flash(f"You follow {target.username} now." if new else f"You already follow {target.username}.",
          "success" if new else "info")
    return _back(target)


@bp.route("/u/<username>/unfollow", methods=["POST"])
@login_required
def unfollow(username: str) -> Response:
    target = _target(username)
    if services.unfollow(current_user, target):
        flash(f"You no longer follow {target.username}.", "success")
    return _back(target)


@bp.route("/u/<username>/fistbump", methods=["POST"])
@login_required
def fistbump(username: str) -> Response | tuple[str, int]:
    target = _target(username)
    try:
        services.fist_bump(current_user, target)
    except Unreachable as exc:
        return refused(403, str(exc))
    except services.TooSoon as exc:
        return refused(429, str(exc))
    except services.FollowingError as exc:
        return refused(422, str(exc))
    flash(f"You fist bumped {target.username}. 👊", "success")
    return _back(target)


@bp.route("/u/<username>/followers")
@login_required
def followers(username: str) -> str:
    user = _target(username, hide_blocked=True)
    return render_template(
        "following/people.html", profile_user=user, kind="followers",
        people=services.followers_page(user, page_arg(), current_user),
    )


@bp.route("/u/<username>/following")
@login_required
def following(username: str) -> str:
    user = _target(username, hide_blocked=True)
    return render_template(
        "following/people.html", profile_user=user, kind="following",
        people=services.following_page(user, page_arg(), current_user),
    )

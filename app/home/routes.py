"""Home views: the landing page or the timeline at ``/``, onboarding cards, help."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.home import bp, services
from app.home.forms import PageForm, posted_step_form, step_form
from app.home.models import STEPS
from app.profiles import avatars as profile_avatars
from app.profiles import editing as profile_editing
from app.profiles.editing import ProfileError
from app.profiles.models import Profile


@bp.route("/")
def index() -> str | tuple[str, int]:
    if not current_user.is_authenticated:
        return render_template("home/landing.html", inviter=services.inviter())
    form = PageForm(request.args)
    if not form.validate():
        abort(422)
    page = int(form.page.data or 1)
    profile = profile_editing.profile_for(current_user)
    pending = services.pending_steps(current_user, profile)
    timeline = services.timeline(current_user, page, onboarding=bool(pending))
    step = pending[0] if pending and page == 1 else None
    return render_template(
        "home/timeline.html", timeline=timeline, profile=profile, step=step,
        step_card=services.ONBOARDING[step] if step else None,
        step_number=STEPS.index(step) + 1 if step else None,
        form=step_form(profile) if step else None,
    )


def _step(name: str) -> services.Step:
    if name not in services.ONBOARDING:
        abort(404)
    return services.ONBOARDING[name]


@bp.get("/welcome/<step>")
@bp.post("/welcome/<step>")
@login_required
def welcome(step: str) -> Response | str | tuple[str, int]:
    """One onboarding card on its own page: where "/" sends the form, and where the profile
    page reopens a card later. It saves through the profile form and the profile service."""
    card = _step(step)
    profile = profile_editing.profile_for(current_user)
    if request.method == "GET":
        return _card_page(card, step_form(profile))
    form = posted_step_form(profile, step)
    if form.validate_on_submit():
        try:
            profile_editing.update_profile(profile, form.changes(current_user.username))
            if step == "avatar":
                profile_avatars.change_avatar(profile, form.avatar.data, form.remove_avatar.data)
        except ProfileError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            services.record_step(current_user, step, "done")
            flash("Saved.", "success")
            return _onward(profile)
    return _card_page(card, form), 422


@bp.route("/welcome/<step>/skip", methods=["POST"])
@login_required
def skip(step: str) -> Response:
    _step(step)
    services.record_step(current_user, step, "skipped")
    return _onward(profile_editing.profile_for(current_user))


def _onward(profile: Profile) -> Response:
    """The next card while there is one; then the player's own profile."""
    if services.pending_steps(current_user, profile):
        return redirect(url_for("home.index"), 303)
    return redirect(url_for("profiles.show", username=current_user.username), 303)


def _card_page(card: services.Step, form: object) -> str:
    profile = profile_editing.profile_for(current_user)
    pending = services.pending_steps(current_user, profile)
    return render_template(
        "home/welcome.html", card=card, form=form, profile=profile, pending=card.name in pending,
        step_number=STEPS.index(card.name) + 1,
    )


@bp.route("/help")
def help() -> str:
    return render_template("home/help.html")

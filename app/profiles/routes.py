"""Profile, availability and search views: validate, call one service, redirect (PRG)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.nav import gather_panels
from app.core.views import wants_fragment
from app.identity.services import active_user
from app.profiles import availability as free_slots
from app.profiles import avatars, bp, editing, matching
from app.profiles import search as player_search
from app.profiles.editing import ProfileError
from app.profiles.forms import AvailabilityForm, MatchForm, ProfileForm, SearchForm, profile_form_data
from app.profiles.models import SLOT_HOURS, SLOTS, Profile
from app.profiles.search import SearchCriteria
from app.safety.services import hidden_from, privacy_of

AVATAR_MAX_AGE = 365 * 24 * 3600


def _form_for(profile: Profile) -> ProfileForm:
    return ProfileForm(data=profile_form_data(profile))


# --- profiles ----------------------------------------------------------------------------


@bp.route("/u/<username>")
def show(username: str) -> str:
    user = active_user(username)
    if user is None or hidden_from(current_user, user):
        abort(404)
    privacy = privacy_of(user)
    if not current_user.is_authenticated and privacy.profile_visibility == "members":
        return render_template("profiles/members_only.html", join_url=editing.join_link(user))
    profile = editing.profile_for(user)
    viewer = editing.profile_for(current_user) if current_user.is_authenticated else None
    distance = None
    if viewer is not None and viewer.user_id != profile.user_id:
        distance = player_search.distance_between(viewer, profile)
    # The figure never reaches the template when the player hides it.
    nearby = distance is not None and not privacy.show_distance
    if nearby:
        distance = None
    is_owner = current_user.is_authenticated and current_user.id == user.id
    return render_template(
        "profiles/show.html",
        profile_user=user,
        profile=profile,
        is_owner=is_owner,
        distance=distance,
        nearby=nearby,
        join_url=None if current_user.is_authenticated else editing.join_link(user),
        panels=gather_panels("profile", current_user, profile_user=user, is_owner=is_owner),
    )


@bp.route("/profile")
@login_required
def me() -> Response:
    return redirect(url_for("profiles.show", username=current_user.username))


@bp.get("/profile/edit")
@bp.post("/profile/edit")
@login_required
def edit() -> Response | str | tuple[str, int]:
    profile = editing.profile_for(current_user)
    if request.method == "GET":
        return render_template("profiles/edit.html", form=_form_for(profile), profile=profile)
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            editing.update_profile(profile, form.changes(current_user.username))
            avatars.change_avatar(profile, form.avatar.data, form.remove_avatar.data)
        except ProfileError as exc:
            getattr(form, exc.field).errors.append(str(exc))
            return render_template("profiles/edit.html", form=form, profile=profile), 422
        flash("Your profile is saved.", "success")
        return redirect(url_for("profiles.show", username=current_user.username), 303)
    return render_template("profiles/edit.html", form=form, profile=profile), 422


@bp.route("/avatars/<name>")
def avatar(name: str) -> Response:
    """A stored avatar. Names are fresh on every upload, so browsers may keep them for a year."""
    response = send_from_directory(avatars.avatar_dir(), name, max_age=AVATAR_MAX_AGE, mimetype="image/jpeg")
    response.headers["Cache-Control"] = f"public, max-age={AVATAR_MAX_AGE}, immutable"
    return response


# --- availability ------------------------------------------------------------------------


@bp.get("/availability")
@bp.post("/availability")
@login_required
def availability() -> Response | str | tuple[str, int]:
    form = AvailabilityForm()
    if request.method == "POST":
        if form.validate_on_submit() and form.day is not None:
            try:
                if form.remove.data:
                    free_slots.unmark_slot(current_user, form.day, form.slot.data)
                else:
                    free_slots.mark_slot(current_user, form.day, form.slot.data)
            except ProfileError as exc:
                getattr(form, exc.field).errors.append(str(exc))
            else:
                if wants_fragment():
                    return _availability_page(AvailabilityForm(formdata=None))
                return redirect(url_for("profiles.availability"), 303)
        return _availability_page(form), 422
    return _availability_page(form)


def _availability_page(form: AvailabilityForm) -> str:
    """The page, or from htmx only its grid (a slot toggled in place)."""
    template = "profiles/_availability_grid.html" if wants_fragment() else "profiles/availability.html"
    return render_template(
        template, form=form, grid=free_slots.availability_grid(current_user),
        slots=SLOTS, slot_hours=SLOT_HOURS,
    )


# --- search and matching -----------------------------------------------------------------


@bp.route("/players")
@login_required
def search() -> str | tuple[str, int]:
    form = SearchForm(request.args)
    me = editing.profile_for(current_user)
    if not form.validate():
        return render_template("profiles/search.html", form=form, results=None, origin=None), 422
    area = form.search_area(me)
    if area is None:
        return render_template("profiles/search.html", form=form, results=None, origin=None), 422
    origin, radius = area
    criteria = SearchCriteria(
        q=form.q.data or "",
        origin=origin,
        radius=radius,
        handicap_min=form.handicap_min_value,
        handicap_max=form.handicap_max_value,
        mobility=form.trait_index("mobility"),
        drinking=form.trait_index("drinking"),
        page=int(form.page.data or 1),
    )
    results = player_search.search_players(current_user, criteria)
    return render_template("profiles/search.html", form=form, results=results, origin=origin, radius=radius)


@bp.route("/players/match")
@login_required
def match() -> str | tuple[str, int]:
    form = MatchForm(request.args)
    if not form.validate():
        return render_template("profiles/match.html", form=form, results=None), 422
    me = editing.profile_for(current_user)
    results = matching.match_players(current_user, int(form.page.data or 1))
    has_slots = free_slots.has_slots(current_user)
    shown = me.has_location and has_slots and results.rows
    return render_template(
        "profiles/match.html", form=form, results=results, me=me, has_slots=has_slots,
        panels=gather_panels("match", current_user, results=results) if shown else [],
    )

"""Tee-time views: validate, call one service, redirect (PRG)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.views import limit_setting, refused, wants_fragment
from app.extensions import limiter
from app.teetimes import bp, calendar, claims, errors, hosting, listings, rounds, thread, waitlist
from app.teetimes.forms import ActionForm, TeeTimeForm, ThreadPostForm
from app.teetimes.models import TeeTime


def _round(code: str) -> TeeTime:
    tee_time = rounds.tee_time_by_code(code)
    if tee_time is None:
        abort(404)
    return tee_time


def _page(
    tee_time: TeeTime, status: int = 200, refusal: str | None = None, post_form: ThreadPostForm | None = None,
) -> tuple[str, int]:
    in_round = calendar.in_round(current_user, tee_time)
    return render_template(
        "teetimes/show.html", view=listings.round_view(current_user, tee_time),
        url=rounds.round_url(tee_time), when=rounds.when_text(tee_time), refusal=refusal,
        form=ActionForm(), in_round=in_round,
        posts=thread.thread_of(current_user, tee_time) if in_round else [],
        post_form=post_form or ThreadPostForm(formdata=None),
    ), status


def _refused(tee_time: TeeTime, error: errors.TeeTimeError) -> tuple[str, int]:
    return _page(tee_time, error.status, str(error))


def _back(tee_time: TeeTime) -> Response:
    return redirect(url_for("teetimes.show", code=tee_time.code), 303)


@bp.route("/tee-times")
@login_required
def index() -> str:
    return render_template(
        "teetimes/index.html", upcoming=listings.upcoming_for(current_user),
        nearby=listings.open_near(current_user),
    )


@bp.get("/tee-times/new")
@bp.post("/tee-times/new")
@login_required
def new() -> Response | str | tuple[str, int]:
    form = TeeTimeForm()
    if form.validate_on_submit():
        assert form.day is not None
        details = rounds.RoundDetails(
            course=form.course.data or "", day=form.day, slot=form.slot.data or None, exact=form.exact,
            spots=form.spots.data, note=form.note.data or "", visibility=form.visibility.data,
            course_id=form.course_id,
        )
        try:
            tee_time = rounds.post_tee_time(current_user, details)
        except errors.TeeTimeError as exc:
            getattr(form, exc.field).errors.append(str(exc))
            return render_template("teetimes/new.html", form=form), 422
        flash("Your tee time is posted. Share its link to fill the open spots.", "success")
        return _back(tee_time)
    if request.method == "POST":
        return render_template("teetimes/new.html", form=form), 422
    return render_template("teetimes/new.html", form=form)


@bp.route("/t/<code>")
def show(code: str) -> tuple[str, int]:
    tee_time = _round(code)
    if not current_user.is_authenticated and tee_time.cancelled_at is None:
        claims.remember_link(tee_time)
    return _page(tee_time)


@bp.route("/t/<code>/claim", methods=["POST"])
def claim(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    if not current_user.is_authenticated:
        return redirect(url_for("identity.login", next=url_for("teetimes.show", code=tee_time.code)))
    try:
        claim = claims.claim_spot(current_user, tee_time.id)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    if claim.confirmed_at is not None:
        flash("You're in! Your spot is held.", "success")
    else:
        flash("You claimed a spot. Confirm your email within 24 hours (or before tee time) to hold it.",
              "success")
    return _back(tee_time)


@bp.route("/t/<code>/leave", methods=["POST"])
@login_required
def leave(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        claims.leave_round(current_user, tee_time.id)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash("You gave your spot up; the host has been told.", "success")
    return _back(tee_time)


@bp.route("/t/<code>/waitlist", methods=["POST"])
@login_required
def join_waitlist(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        waitlist.join_waitlist(current_user, tee_time.id)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash("You're on the waitlist. If a spot frees, it's held for you for 2 hours and we'll tell you.",
          "success")
    return _back(tee_time)


@bp.route("/t/<code>/waitlist/leave", methods=["POST"])
@login_required
def leave_waitlist(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        waitlist.leave_waitlist(current_user, tee_time.id)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash("You're off the waitlist.", "success")
    return _back(tee_time)


@bp.get("/t/<code>/calendar.ics")
def calendar_file(code: str) -> Response:
    tee_time = _round(code)
    try:
        body = calendar.round_calendar(current_user, tee_time)
    except errors.NoSuchRound:
        abort(404)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="fairway-{tee_time.code}.ics"',
        "Cache-Control": "private, no-store",
    })


@bp.route("/t/<code>/remove/<username>", methods=["POST"])
@login_required
def remove(code: str, username: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        player = hosting.remove_player(current_user, tee_time.id, username)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash(f"{player.username} is off the round; their spot is open again.", "success")
    return _back(tee_time)


@bp.route("/t/<code>/cancel", methods=["POST"])
@login_required
def cancel(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        hosting.cancel_round(current_user, tee_time.id)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash("The round is cancelled. Everyone who joined has been told.", "success")
    return _back(tee_time)


@bp.route("/t/<code>/invite/<username>", methods=["POST"])
@login_required
# An invite is a message: it counts against the same limit as messages.
@limiter.limit(limit_setting("RATELIMIT_MESSAGE"), key_func=lambda: f"message:{current_user.id}")
def invite(code: str, username: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    try:
        player = hosting.invite_player(current_user, tee_time.id, username)
    except errors.TeeTimeError as exc:
        return _refused(tee_time, exc)
    flash(f"We sent {player.username} your tee time's link.", "success")
    return redirect(url_for("profiles.match"), 303)


def _thread(tee_time: TeeTime, form: ThreadPostForm, status: int = 200) -> tuple[str, int]:
    """The thread with its compose box, as htmx swaps it in place."""
    return render_template(
        "teetimes/_thread.html", tee_time=tee_time, posts=thread.thread_of(current_user, tee_time),
        post_form=form,
    ), status


@bp.post("/t/<code>/thread")
@login_required
# A thread post is a message to the round: it counts against the same limit as messages.
@limiter.limit(limit_setting("RATELIMIT_MESSAGE"), key_func=lambda: f"message:{current_user.id}")
def thread_post(code: str) -> Response | tuple[str, int]:
    tee_time = _round(code)
    if not calendar.in_round(current_user, tee_time):
        # Someone who can't even see the round learns nothing about it.
        if not listings.can_see(current_user, tee_time):
            abort(404)
        return refused(403, "Only the host and the round's players can write in its thread.")
    form = ThreadPostForm()
    if form.validate_on_submit():
        try:
            thread.post_to_thread(current_user, tee_time, form.body.data or "")
        except thread.InvalidPost as exc:
            form.body.errors = [*form.body.errors, str(exc)]
        except errors.TeeTimeError as exc:
            return refused(exc.status, str(exc))
        else:
            if wants_fragment():
                return _thread(tee_time, ThreadPostForm(formdata=None))
            return redirect(url_for("teetimes.show", code=tee_time.code, _anchor="thread"), 303)
    if wants_fragment():
        return _thread(tee_time, form, 422)
    return _page(tee_time, 422, post_form=form)

"""Course views: search near a place, a course's page, played marks, and the admin catalog."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.courses import bp, services
from app.courses.forms import AdminCourseSearchForm, CourseForm, CourseSearchForm
from app.courses.models import Course
from app.identity.access import admin_required, safe_next
from app.identity.models import User
from app.profiles.editing import profile_for


def _course(course_id: int) -> Course:
    course = services.get_course(course_id)
    if course is None:
        abort(404)
    return course


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


# --- players ---------------------------------------------------------------------------------


@bp.route("/courses")
@login_required
def search() -> str | tuple[str, int]:
    form = CourseSearchForm(request.args)
    if not form.validate():
        return render_template("courses/search.html", form=form, results=None, origin=None), 422
    me = profile_for(current_user)
    area = form.search_area(me)
    if area is None:
        return render_template("courses/search.html", form=form, results=None, origin=None), 422
    origin, radius = area
    results = services.search_courses(current_user, services.CourseSearch(
        q=form.q.data or "", origin=origin, radius=radius, page=int(form.page.data or 1),
    ))
    return render_template("courses/search.html", form=form, results=results, origin=origin, radius=radius)


@bp.route("/courses/<int:course_id>")
@login_required
def show(course_id: int) -> str:
    course = _course(course_id)
    played = services.has_played(current_user, course)
    return render_template("courses/show.html", course=course, played=played)


def _back_to(course: Course) -> Response:
    target = request.form.get("next", "")
    if target and safe_next(target) == target:
        return redirect(target, 303)
    return redirect(url_for("courses.show", course_id=course.id), 303)


@bp.route("/courses/<int:course_id>/played", methods=["POST"])
@login_required
def played(course_id: int) -> Response:
    course = _course(course_id)
    services.mark_played(current_user, course)
    flash(f"{course.name} is on your profile as played.", "success")
    return _back_to(course)


@bp.route("/courses/<int:course_id>/unplayed", methods=["POST"])
@login_required
def unplayed(course_id: int) -> Response:
    course = _course(course_id)
    services.unmark_played(current_user, course)
    flash(f"{course.name} is off your played list.", "success")
    return _back_to(course)


# --- admins ----------------------------------------------------------------------------------


@bp.route("/admin/courses")
@admin_required
def admin_list() -> str | tuple[str, int]:
    form = AdminCourseSearchForm(request.args)
    if not form.validate():
        return render_template("courses/admin_list.html", form=form, results=None), 422
    results = services.admin_courses(form.q.data or "", int(form.page.data or 1))
    return render_template("courses/admin_list.html", form=form, results=results)


def _save(form: CourseForm, course: Course | None) -> Response | tuple[str, int]:
    if form.validate_on_submit():
        try:
            if course is None:
                course = services.create_course(_actor(), form.details())
                flash(f"{course.name} is in the catalog.", "success")
            else:
                services.update_course(_actor(), course, form.details())
                flash(f"{course.name} is saved.", "success")
        except services.CourseError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            return redirect(url_for("courses.admin_list"), 303)
    return render_template("courses/admin_edit.html", form=form, course=course), 422


@bp.get("/admin/courses/new")
@bp.post("/admin/courses/new")
@admin_required
def admin_new() -> Response | str | tuple[str, int]:
    form = CourseForm()
    if request.method == "GET":
        return render_template("courses/admin_edit.html", form=form, course=None)
    return _save(form, None)


@bp.get("/admin/courses/<int:course_id>/edit")
@bp.post("/admin/courses/<int:course_id>/edit")
@admin_required
def admin_edit(course_id: int) -> Response | str | tuple[str, int]:
    course = _course(course_id)
    if request.method == "GET":
        return render_template("courses/admin_edit.html", form=CourseForm(obj=course), course=course)
    return _save(CourseForm(), course)

"""Admins keep the catalog at /admin/courses: create and edit with bounded, validated fields,
every change in the audit log; everyone else is kept out."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.admin.models import AuditEntry
from app.courses.models import Course
from app.extensions import db
from tests.support import post

GOOD = {"name": "Harding Park", "zip": "94132", "holes": "18", "par": "72",
        "website": "https://tpc.com/hardingpark", "contact": "(415) 555-0100", "notes": "Around the lake."}


def courses() -> list[Course]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Course).order_by(Course.id)))


def audit() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
    return [(e.action, e.target, e.detail) for e in entries]


@pytest.mark.parametrize("path", ["/admin/courses", "/admin/courses/new", "/admin/courses/1/edit"])
def test_only_admins_get_in(client, player, as_user, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    player("ann")
    assert as_user("ann").get(path).status_code == 403
    ann = as_user("ann")
    assert post(ann, "/admin/courses/new", GOOD, token_from="/settings").status_code == 403
    assert courses() == []


def test_an_admin_adds_a_course_by_zip(admin):
    assert admin.get("/admin/courses/new").status_code == 200
    response = post(admin, "/admin/courses/new", GOOD, token_from="/admin/courses/new")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/courses"
    [course] = courses()
    assert (course.name, course.city, course.state, course.zip, course.holes, course.par) == (
        "Harding Park", "San Francisco", "CA", "94132", 18, 72)
    assert course.latitude == pytest.approx(37.72, abs=0.01)
    assert course.longitude == pytest.approx(-122.48, abs=0.01)
    assert audit() == [("course.create", f"course:{course.id}", "Harding Park")]
    listing = admin.get("/admin/courses").get_data(as_text=True)
    assert "Harding Park" in listing and f'href="/admin/courses/{course.id}/edit"' in listing
    assert '<a href="/admin/courses" aria-current="page">Courses</a>' in listing


def test_a_course_by_town_and_state_gets_coordinates_too(admin):
    data = {**GOOD, "zip": "", "city": "Pebble Beach", "state": "ca"}
    assert post(admin, "/admin/courses/new", data, token_from="/admin/courses/new").status_code == 303
    [course] = courses()
    assert (course.city, course.state, course.zip) == ("Pebble Beach", "CA", None)
    assert course.latitude is not None and course.longitude is not None


def test_an_admin_edits_a_course(admin):
    post(admin, "/admin/courses/new", GOOD, token_from="/admin/courses/new")
    [course] = courses()
    page = admin.get(f"/admin/courses/{course.id}/edit").get_data(as_text=True)
    assert 'value="Harding Park"' in page
    changed = {**GOOD, "name": "TPC Harding Park", "holes": "27", "par": "108", "zip": "94121"}
    response = post(admin, f"/admin/courses/{course.id}/edit", changed, token_from="/admin/courses/new")
    assert response.status_code == 303
    [course] = courses()
    assert (course.name, course.holes, course.par, course.zip) == ("TPC Harding Park", 27, 108, "94121")
    assert audit()[-1] == ("course.update", f"course:{course.id}", "TPC Harding Park")
    assert admin.get("/admin/courses/999/edit").status_code == 404


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": ""}, "Give the course a name."),
    ({"name": "x" * 121}, "A name is 2 to 120 characters."),
    ({"holes": "0"}, "Between 1 and 72 holes."),
    ({"holes": "abc"}, "Not a valid integer value."),
    ({"holes": "99999999999999999999999"}, "Between 1 and 72 holes."),
    ({"par": "200"}, "Par for 18 holes is between 36 and 126."),
    ({"par": "1e3"}, "Not a valid integer value."),
    ({"zip": "abcde"}, "A zip code is five digits"),
    ({"zip": "00000"}, "We don&#39;t know the zip code"),
    ({"zip": "", "city": "", "state": ""}, "Give the zip code, or the city and state."),
    ({"zip": "", "city": "Nowhereville", "state": "ZZ"}, "We can&#39;t find that town and state."),
    ({"state": "California"}, "Use at most 2 characters."),
    ({"website": "javascript:alert(1)"}, "A website starts with http:// or https://."),
    ({"notes": "n" * 2001}, "Use at most 2000 characters."),
])
def test_bad_input_is_a_422_with_a_message(admin, changes, message):
    response = post(admin, "/admin/courses/new", {**GOOD, **changes}, token_from="/admin/courses/new")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert courses() == [] and audit() == []


def test_admin_forms_need_csrf(admin):
    assert admin.post("/admin/courses/new", data=GOOD).status_code == 400
    assert courses() == []


def test_the_admin_list_searches_and_refuses_a_bad_page(admin, make_course):
    make_course("Lincoln Park", zip="94121"), make_course("Bethpage Black", zip="11735")
    page = admin.get("/admin/courses?q=lincoln").get_data(as_text=True)
    assert "Lincoln Park" in page and "Bethpage" not in page
    assert admin.get("/admin/courses?page=0").status_code == 422

"""A host can pick the round's course from the catalog instead of typing it: the round takes
the course's name, place and time zone, and its page links to the course."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.courses.models import Course
from app.extensions import db
from app.profiles import geo
from app.teetimes.models import TeeTime
from tests.teetimes.conftest import action

FORM = {"course": "", "date": "2030-06-12", "slot": "", "time": "07:30", "spots": "2", "note": "",
        "visibility": "link"}


def bethpage() -> Course:
    place = geo.place_for_zip("11735")
    assert place is not None
    course = Course(name="Bethpage Black", city=place.city, state=place.state, zip=place.zip,
                    latitude=place.latitude, longitude=place.longitude, holes=18, par=71)
    db.session.add(course)
    db.session.commit()
    return course


def the_round() -> TeeTime:
    db.session.expire_all()
    return db.session.scalars(sa.select(TeeTime)).one()


def test_a_catalog_course_names_places_and_times_the_round(player, as_user):
    course = bethpage()
    player("ann", zip="94103")
    client = as_user("ann")
    page = client.get("/tee-times/new").get_data(as_text=True)
    assert "Course from the catalog" in page and "Bethpage Black" in page
    picked = {**FORM, "catalog_course": str(course.id)}
    answer = action(client, "/tee-times/new", picked, page="/tee-times/new")
    assert answer.status_code == 303
    tee_time = the_round()
    assert (tee_time.course, tee_time.course_id) == ("Bethpage Black", course.id)
    # 07:30 on Long Island in June (EDT, UTC-4), not at the host's home in San Francisco.
    assert tee_time.timezone == "America/New_York"
    assert tee_time.starts_at == datetime(2030, 6, 12, 11, 30)
    assert (tee_time.latitude, tee_time.longitude) == (course.latitude, course.longitude)
    shown = client.get(f"/t/{tee_time.code}").get_data(as_text=True)
    assert f'href="/courses/{course.id}"' in shown


def test_free_text_still_works_and_links_nowhere(player, as_user):
    bethpage()
    player("ann", zip="94103")
    client = as_user("ann")
    answer = action(client, "/tee-times/new", {**FORM, "course": "Muni by the river"}, page="/tee-times/new")
    assert answer.status_code == 303
    tee_time = the_round()
    assert (tee_time.course, tee_time.course_id, tee_time.timezone) == (
        "Muni by the river", None, "America/Los_Angeles")
    assert 'href="/courses/' not in client.get(f"/t/{tee_time.code}").get_data(as_text=True)


def test_a_round_needs_a_course_one_way_or_the_other(player, as_user):
    player("ann", zip="94103")
    client = as_user("ann")
    answer = action(client, "/tee-times/new", FORM, page="/tee-times/new")
    assert answer.status_code == 422
    assert "Pick it from the catalog or type its name" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TeeTime)) == 0


def test_an_unknown_catalog_entry_is_refused(player, as_user):
    player("ann", zip="94103")
    client = as_user("ann")
    answer = action(client, "/tee-times/new", {**FORM, "catalog_course": "99999"}, page="/tee-times/new")
    assert answer.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TeeTime)) == 0


def test_a_catalog_name_longer_than_a_rounds_is_cut_to_fit(player, as_user):
    """The catalog allows 120 characters, a round's course 100: the round keeps the catalog
    link and a name cut with an ellipsis (PostgreSQL refused the long one with a 500)."""
    course = bethpage()
    course.name = "Bethpage " + "B" * 111
    db.session.commit()
    player("ann", zip="94103")
    answer = action(as_user("ann"), "/tee-times/new", {**FORM, "catalog_course": str(course.id)},
                    page="/tee-times/new")
    assert answer.status_code == 303
    tee_time = the_round()
    assert tee_time.course_id == course.id and len(tee_time.course) == 100
    assert tee_time.course.startswith("Bethpage BBB") and tee_time.course.endswith("…")

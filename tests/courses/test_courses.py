"""Players search the catalog near a zip (bounding box, then great-circle distance), mark
courses as played, and see them on profiles; the sample catalog seeds idempotently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.courses.catalog import SAMPLE_COURSES
from app.courses.models import Course, CoursePlay
from app.extensions import db
from app.profiles import geo
from tests.home.conftest import counting_statements, user
from tests.support import post

ROOT = Path(__file__).resolve().parents[2]


def names(page: str) -> list[str]:
    row = r'<li class="player-row course-row" id="course-\d+">.*?<a href="/courses/\d+">([^<]+)</a>'
    return re.findall(row, page, re.S)


def plays() -> list[tuple[int, int]]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(CoursePlay.user_id, CoursePlay.course_id)).all())


@pytest.fixture
def bay_area(make_course) -> dict[str, Course]:
    return {
        "harding": make_course("Harding Park", zip="94132", par=72),
        "lincoln": make_course("Lincoln Park", zip="94121", par=68),
        "tilden": make_course("Tilden Park", zip="94708", par=70),
        "bethpage": make_course("Bethpage Black", zip="11735", par=71),
    }


def test_search_near_a_zip_is_nearest_first_within_the_radius(player, as_user, bay_area):
    player("ann")
    client = as_user("ann")
    with counting_statements() as statements:
        response = client.get("/courses?near=94103&radius=10")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert names(page) == ["Lincoln Park", "Harding Park"]
    assert "2 courses" in page and "within 10 miles of 94103 (San Francisco)" in page
    assert re.search(r"San Francisco, CA 94121 · \d+\.\d mi", page)
    # The radius cut is in the query; the far course never leaves the database. SQLite: the
    # bounding box; PostgreSQL: the KNN index, nearest first (no name to match: no earth box).
    if db.engine.dialect.name == "postgresql":
        # one statement: the walk gives the capped total and the page's courses
        knn = [s for s in statements if "FROM courses" in s]
        assert len(knn) == 1 and "ll_to_earth(courses.latitude, courses.longitude) <->" in knn[0]
        assert "earth_box(" not in knn[0]
        with counting_statements() as statements:
            client.get("/courses?near=94103&radius=10&q=park")
        [named] = [s for s in statements if "FROM courses" in s]
        assert "earth_box(" in named and "ll_to_earth(courses.latitude, courses.longitude) <->" in named
    else:
        [search] = [s for s in statements if "FROM courses" in s and "BETWEEN" in s]
        assert "courses.latitude BETWEEN" in search and "courses.longitude BETWEEN" in search
    assert names(client.get("/courses?near=94103&radius=15").get_data(as_text=True)) == [
        "Lincoln Park", "Harding Park", "Tilden Park"]
    assert names(client.get("/courses?near=11735&radius=25").get_data(as_text=True)) == ["Bethpage Black"]


def test_search_defaults_to_the_home_zip_and_filters_by_name(player, as_user, bay_area):
    player("ann", zip="94103", radius_miles=15)
    client = as_user("ann")
    page = client.get("/courses").get_data(as_text=True)
    assert names(page) == ["Lincoln Park", "Harding Park", "Tilden Park"]
    assert "within 15 miles of your home zip" in page
    assert names(client.get("/courses?q=park&near=94103&radius=10").get_data(as_text=True)) == [
        "Lincoln Park", "Harding Park"]
    assert names(client.get("/courses?q=bethpage").get_data(as_text=True)) == ["Bethpage Black"]


def test_without_a_location_the_whole_catalog_by_name(player, as_user, bay_area):
    player("ann")
    page = as_user("ann").get("/courses").get_data(as_text=True)
    assert names(page) == ["Bethpage Black", "Harding Park", "Lincoln Park", "Tilden Park"]


@pytest.mark.parametrize("query", [
    "near=00000", "near=abc", "radius=0&near=94103", "radius=abc&near=94103", "radius=1e9&near=94103",
    "radius=10", "page=0", "page=x", "q=" + "x" * 61,
])
def test_bad_search_input_is_a_422(player, as_user, query):
    player("ann")
    assert as_user("ann").get(f"/courses?{query}").status_code == 422


def test_search_needs_a_signed_in_player(client):
    response = client.get("/courses?near=94103")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_marking_a_course_as_played_shows_on_the_profile(player, as_user, app, bay_area):
    player("ann", zip="94103")
    client = as_user("ann")
    harding = bay_area["harding"]
    assert client.post(f"/courses/{harding.id}/played").status_code == 400
    response = post(client, f"/courses/{harding.id}/played", {"next": "/courses?near=94103&radius=10"},
                    token_from="/courses")
    assert response.status_code == 303 and response.headers["Location"] == "/courses?near=94103&radius=10"
    post(client, f"/courses/{harding.id}/played", token_from="/courses")
    assert plays() == [(user("ann").id, harding.id)]
    profile = client.get("/u/ann").get_data(as_text=True)
    assert "Courses played (1)" in profile and "Harding Park" in profile
    anonymous = app.test_client().get("/u/ann").get_data(as_text=True)
    assert "Harding Park" in anonymous
    listing = client.get("/courses?near=94103&radius=10").get_data(as_text=True)
    assert f'action="/courses/{harding.id}/unplayed"' in listing
    response = post(client, f"/courses/{harding.id}/unplayed", {"next": "//evil.example/x"},
                    token_from="/courses")
    assert response.status_code == 303 and response.headers["Location"] == f"/courses/{harding.id}"
    assert plays() == []
    assert "Courses played (" not in client.get("/u/ann").get_data(as_text=True)
    assert post(client, "/courses/999/played", token_from="/courses").status_code == 404


def test_a_course_page(player, as_user, bay_area):
    player("ann")
    client = as_user("ann")
    page = client.get(f"/courses/{bay_area['lincoln'].id}").get_data(as_text=True)
    assert "Lincoln Park" in page and "18 holes · par 68" in page and "I've played it" in page
    assert client.get("/courses/999").status_code == 404


def test_courses_are_in_the_navigation(player, as_user):
    player("ann")
    assert 'href="/courses"' in as_user("ann").get("/").get_data(as_text=True)


def test_the_seed_command_loads_the_sample_catalog_once(runner):
    first = runner.invoke(args=["courses", "seed"])
    assert first.exit_code == 0, first.output
    assert f"{len(SAMPLE_COURSES)} added" in first.output
    again = runner.invoke(args=["courses", "seed"])
    assert again.exit_code == 0 and "0 added" in again.output
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(Course)))
    assert len(rows) == len(SAMPLE_COURSES) and 10 <= len(rows) <= 20
    assert all(course.latitude is not None and course.zip for course in rows)


def test_every_sample_course_has_a_zip_the_zip_database_knows():
    for sample in SAMPLE_COURSES:
        assert geo.place_for_zip(sample["zip"]) is not None, sample["name"]


def test_make_run_seeds_the_catalog_after_migrating():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:"):].split("\n\n")[0]
    assert run.startswith("\nrun: migrate")  # migrations first, then the seed, then the server
    assert run.index("wsgi courses seed") < run.index("wsgi run")

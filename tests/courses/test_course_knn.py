"""Course search nearest first in SQL (PostgreSQL's KNN index) against the bounding box + Python
path: the same courses at the same distances, the same totals as shown, page after page."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.courses import services
from app.courses.models import Course
from app.courses.services import CourseSearch
from app.extensions import db
from app.profiles import geo, nearest
from app.profiles.search import Origin
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_member

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="the KNN index is PostgreSQL's (services mode)")


def _origin(code: str) -> Origin:
    place = geo.place_for_zip(code)
    assert place is not None
    return Origin(place.latitude, place.longitude, place.zip)


def _courses(count: int, seed: int = 3) -> None:
    """Most around New York (many sharing a zip, so equal distances happen), the rest anywhere."""
    rng = random.Random(seed)
    centre = _origin("10001")
    near = [p for p in geo.all_places()
            if geo.haversine_miles(centre.latitude, centre.longitude, p.latitude, p.longitude) < 40]
    places, now = geo.all_places(), utcnow()
    rows = []
    for n in range(count):
        place = rng.choice(near) if rng.random() < 0.6 else rng.choice(places)
        rows.append({"name": f"Course {'abc'[n % 3]} {n}", "city": place.city[:60], "state": place.state[:2],
                     "zip": place.zip, "latitude": place.latitude, "longitude": place.longitude, "holes": 18,
                     "par": 72, "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(Course), rows)
    db.session.commit()


CASES = [
    CourseSearch(origin=_origin("10001"), radius=25),
    CourseSearch(origin=_origin("10001"), radius=25, page=2),
    CourseSearch(origin=_origin("10001"), radius=25, page=11),
    CourseSearch(origin=_origin("10001"), radius=25, page=40),  # past the end
    CourseSearch(origin=_origin("10001"), radius=3),
    CourseSearch(origin=_origin("07030"), radius=12, page=3),
    CourseSearch(origin=_origin("10001"), radius=40, q="course b"),
    CourseSearch(origin=_origin("60601"), radius=300),
    CourseSearch(origin=_origin("99501"), radius=50),  # maybe none
]


def test_the_knn_path_gives_the_python_paths_courses(app, monkeypatch):
    viewer = make_member("viewer", zip="10001")
    _courses(1500)
    seen_capped = seen_exact = 0
    for search in CASES:
        pages = {}
        for knn in (True, False):
            monkeypatch.setattr(nearest, "uses_knn", lambda knn=knn: knn)
            pages[knn] = services.search_courses(viewer, search)
        in_sql, in_python = pages[True], pages[False]
        # the same distances in the same order (courses at one distance may come in another order)
        assert [row.distance for row in in_sql.rows] == pytest.approx(
            [row.distance for row in in_python.rows], abs=1e-6), search
        assert all(row.distance is not None and row.distance <= (search.radius or 0) for row in in_sql.rows)
        assert (in_sql.total_label, in_sql.has_next) == (in_python.total_label, in_python.has_next), search
        seen_capped += in_sql.capped
        seen_exact += not in_sql.capped and in_sql.total > 0
    assert seen_capped >= 2 and seen_exact >= 2

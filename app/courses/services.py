"""The course catalog as plain functions: admin edits, searching near a place, played courses.
Services add and flush; the request commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from app.clock import utcnow
from app.core.inserts import insert_ignoring_duplicates
from app.core.pagination import COUNT_CAP, Paginated, capped_count, page_with_total
from app.core.search import contains
from app.core.signals import admin_action, this_app
from app.courses.catalog import SAMPLE_COURSES
from app.courses.models import Course, CoursePlay
from app.extensions import db
from app.identity.models import User
from app.profiles import geo, nearest
from app.profiles.search import Origin, box_clause

PER_PAGE = 20
ADMIN_PER_PAGE = 50
PLAYED_ON_PROFILE = 50


class CourseError(Exception):
    """A rule refused the change; the message is for the user, ``field`` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- where a course is -----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _towns() -> dict[tuple[str, str], geo.Place]:
    """(lower-case city, state) → one of its zip codes' places, built once per process."""
    towns: dict[tuple[str, str], geo.Place] = {}
    for place in geo.all_places():
        towns.setdefault((place.city.lower(), place.state.upper()), place)
    return towns


@dataclass(frozen=True)
class Location:
    city: str
    state: str
    zip: str | None
    latitude: float
    longitude: float


def locate(zip_code: str, city: str, state: str) -> Location:
    """Where a course is: its zip code, or else its town, resolved offline to coordinates."""
    if zip_code:
        place = geo.place_for_zip(zip_code)
        if place is None:
            raise CourseError("zip", f"We don't know the zip code {zip_code[:10]!r}.")
        return Location(place.city[:60], place.state[:2], place.zip, place.latitude, place.longitude)
    town = _towns().get((city.strip().lower(), state.strip().upper()))
    if town is None:
        raise CourseError("city", "We can't find that town and state. Give the course's zip code instead.")
    return Location(town.city[:60], town.state[:2], None, town.latitude, town.longitude)


# --- the catalog (admins) --------------------------------------------------------------------


@dataclass
class CourseDetails:
    name: str
    zip: str
    city: str
    state: str
    holes: int
    par: int | None
    website: str
    contact: str
    notes: str


def _apply(course: Course, details: CourseDetails) -> None:
    where = locate(details.zip, details.city, details.state)
    course.name = details.name
    course.city, course.state, course.zip = where.city, where.state, where.zip
    course.latitude, course.longitude = where.latitude, where.longitude
    course.holes, course.par = details.holes, details.par
    course.website, course.contact, course.notes = details.website, details.contact, details.notes


def create_course(actor: User, details: CourseDetails) -> Course:
    course = Course()
    _apply(course, details)
    db.session.add(course)
    db.session.flush()
    admin_action.send(this_app(), actor=actor, action="course.create", target=f"course:{course.id}",
                      detail=course.name)
    return course


def update_course(actor: User, course: Course, details: CourseDetails) -> Course:
    _apply(course, details)
    db.session.flush()
    admin_action.send(this_app(), actor=actor, action="course.update", target=f"course:{course.id}",
                      detail=course.name)
    return course


def get_course(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


@dataclass
class CourseRow:
    course: Course
    distance: float | None = None
    played: bool = False


@dataclass
class CoursePage(Paginated):
    rows: list[CourseRow]
    total: int
    page: int
    per_page: int = PER_PAGE
    #: the player's search counts up to a cap ("200+"); the admin list counts exactly
    cap: int | None = None


def _name_like(q: str) -> sa.ColumnElement[bool]:
    return contains(q, sa.func.lower(Course.name), sa.func.lower(Course.city))


def admin_courses(q: str = "", page: int = 1) -> CoursePage:
    """The catalog by name, for the admin list."""
    query = sa.select(Course)
    if q:
        query = query.where(_name_like(q))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    courses = db.session.scalars(
        query.order_by(Course.name, Course.id).offset((page - 1) * ADMIN_PER_PAGE).limit(ADMIN_PER_PAGE)
    )
    return CoursePage([CourseRow(course) for course in courses], total, page, ADMIN_PER_PAGE)


# --- search (players) ------------------------------------------------------------------------


@dataclass
class CourseSearch:
    q: str = ""
    origin: Origin | None = None
    radius: float | None = None
    page: int = 1


def _played_ids(user: User, course_ids: list[int]) -> set[int]:
    if not course_ids:
        return set()
    return set(db.session.scalars(
        sa.select(CoursePlay.course_id)
        .where(CoursePlay.user_id == user.id, CoursePlay.course_id.in_(course_ids))
    ))


def search_courses(viewer: User, search: CourseSearch) -> CoursePage:
    """Courses matching ``q``; around an origin, only those within the radius, nearest first.

    On PostgreSQL the KNN index (``app.profiles.nearest``) cuts by radius and orders; on SQLite
    the bounding box (an index range on latitude/longitude) picks the candidates and the exact
    great-circle distance filters and orders them. A fixed number of queries whatever the size
    (one on PostgreSQL, three on SQLite); the total is exact up to 200 ("200+" beyond)."""
    conditions: list[sa.ColumnElement[bool]] = [_name_like(search.q)] if search.q else []
    offset = (search.page - 1) * PER_PAGE
    origin = search.origin
    if origin is not None and search.radius is not None and nearest.uses_knn():
        return _nearest_in_sql(viewer, conditions, origin, search.radius, search.page)
    if origin is not None and search.radius is not None:
        radius = search.radius
        candidates: Any = db.session.execute(
            sa.select(Course.id, Course.latitude, Course.longitude)
            .where(box_clause(Course.latitude, Course.longitude, origin, radius), *conditions)
        )
        scored = sorted(
            (distance, course_id)
            for course_id, lat, lon in candidates
            if (distance := geo.haversine_miles(origin.latitude, origin.longitude, lat, lon)) <= radius
        )
        chosen = scored[offset : offset + PER_PAGE]
        ids = [course_id for _, course_id in chosen]
        loaded = {c.id: c for c in db.session.scalars(sa.select(Course).where(Course.id.in_(ids)))}
        played = _played_ids(viewer, ids)
        rows = [CourseRow(loaded[cid], distance, cid in played) for distance, cid in chosen if cid in loaded]
        return CoursePage(rows, len(scored), search.page, cap=COUNT_CAP)
    query = sa.select(Course.id).where(*conditions)
    total = capped_count(query, search.page, PER_PAGE)
    courses = list(db.session.scalars(
        sa.select(Course).where(*conditions).order_by(Course.name, Course.id).offset(offset).limit(PER_PAGE)))
    played = _played_ids(viewer, [c.id for c in courses])
    rows = [CourseRow(c, _distance(origin, c), c.id in played) for c in courses]
    return CoursePage(rows, total, search.page, cap=COUNT_CAP)


def _nearest_in_sql(viewer: User, conditions: list[sa.ColumnElement[bool]], origin: Origin,
                    radius: float, page: int) -> CoursePage:
    """PostgreSQL: one statement. A walk down the KNN index, nearest first (ties by id), gives
    the total (exact up to ``COUNT_CAP``, or one row past this page) and the page's courses
    with their distances and whether the viewer played them (``nearest.walk_page``, as
    partner search; without a name to match, the walk needs no earth box, with which
    PostgreSQL sorted the whole box at 16,000 courses). A page past the end walks again for the
    total alone, for the pager."""
    offset = (page - 1) * PER_PAGE
    reach = max(COUNT_CAP + 1, offset + PER_PAGE + 1)
    played = sa.exists().where(CoursePlay.user_id == viewer.id, CoursePlay.course_id == Course.id)

    def walked(offset: int, limit: int) -> Sequence[Any]:
        within = nearest.walk_page(Course.id, Course.latitude, Course.longitude, origin.latitude,
                                   origin.longitude, radius, conditions, reach, offset, limit)
        return db.session.execute(
            sa.select(Course, within.c.miles, within.c.total, played)
            .join(within, within.c.key == Course.id)
            .order_by(within.c.miles, within.c.key)
        ).all()

    found, total = page_with_total(walked, page, PER_PAGE)
    rows = [CourseRow(course, miles, bool(was_played)) for course, miles, _, was_played in found]
    return CoursePage(rows, total, page, cap=COUNT_CAP)


def _distance(origin: Origin | None, course: Course) -> float | None:
    if origin is None or course.latitude is None or course.longitude is None:
        return None
    return geo.haversine_miles(origin.latitude, origin.longitude, course.latitude, course.longitude)


# --- played courses --------------------------------------------------------------------------


def mark_played(user: User, course: Course) -> None:
    """Say the player has played the course; marking it again changes nothing (the key decides)."""
    insert_ignoring_duplicates(CoursePlay, user_id=user.id, course_id=course.id, created_at=utcnow())


def unmark_played(user: User, course: Course) -> None:
    db.session.execute(
        sa.delete(CoursePlay).where(CoursePlay.user_id == user.id, CoursePlay.course_id == course.id)
    )


def has_played(user: User, course: Course) -> bool:
    return bool(_played_ids(user, [course.id]))


@dataclass
class PlayedCourses:
    """What the profile page shows: the courses a player has played, most recent first."""

    courses: list[Course] = field(default_factory=list)
    total: int = 0


def played_courses(user: User, limit: int = PLAYED_ON_PROFILE) -> PlayedCourses:
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(CoursePlay).where(CoursePlay.user_id == user.id)
    ) or 0
    courses = db.session.scalars(
        sa.select(Course)
        .join(CoursePlay, CoursePlay.course_id == Course.id)
        .where(CoursePlay.user_id == user.id)
        .order_by(CoursePlay.created_at.desc(), Course.name)
        .limit(limit)
    )
    return PlayedCourses(list(courses), int(total))


def course_choices(limit: int = 1000) -> list[tuple[int, str]]:
    """(id, "Name — City, ST") for a course picker (tee times may offer the catalog)."""
    rows = db.session.execute(
        sa.select(Course.id, Course.name, Course.city, Course.state).order_by(Course.name).limit(limit)
    )
    return [(course_id, f"{name} — {city}, {state}") for course_id, name, city, state in rows]


# --- the sample catalog ----------------------------------------------------------------------


def seed_catalog() -> tuple[int, int]:
    """Add the sample courses that are not in the catalog yet (same name and zip): safe to run
    on every start. Returns (added, already there)."""
    existing = {(name, zip_code) for name, zip_code in db.session.execute(sa.select(Course.name, Course.zip))}
    added = 0
    for sample in SAMPLE_COURSES:
        if (sample["name"], sample["zip"]) in existing:
            continue
        course = Course()
        _apply(course, CourseDetails(
            name=sample["name"], zip=sample["zip"], city="", state="", holes=sample["holes"],
            par=sample.get("par"), website=sample.get("website", ""), contact=sample.get("contact", ""),
            notes=sample.get("notes", ""),
        ))
        db.session.add(course)
        added += 1
    db.session.flush()
    return added, len(SAMPLE_COURSES) - added

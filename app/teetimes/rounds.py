"""Posting a round: its code and link, and its time read on the course's clock."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.clock import utcnow
from app.core.text import shortened, when
from app.core.zones import in_zone, signed_in_zone, timezone_for_zip
from app.courses.services import get_course
from app.extensions import db
from app.identity.models import User
from app.profiles.editing import profile_for
from app.referrals.codes import ALPHABET, MAX_INPUT, normalize_code
from app.teetimes.errors import CodeUnavailable, InvalidRound
from app.teetimes.models import COURSE_NAME_MAX, REMINDER_LEADS, TeeTime

#: Tee-time codes: the referral alphabet (no look-alikes), drawn with ``secrets``.
CODE_LENGTH = 8
MAX_CODE_ATTEMPTS = 5
MAX_DAYS_AHEAD = 90
#: Upcoming rounds one player may host at once.
MAX_UPCOMING_HOSTED = 20
#: A round posted for a slot tees off (and closes) when the slot begins.
SLOT_START = {"morning": time(6), "midday": time(11), "twilight": time(16)}


def new_code() -> str:
    """A uniformly random code (``secrets.choice`` draws without modulo bias)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def round_url(tee_time: TeeTime) -> str:
    return f"{current_app.config['APP_BASE_URL']}/t/{tee_time.code}"


def tee_time_by_code(raw: str | None) -> TeeTime | None:
    """The round any spelling of a code names, or None (a deactivated host's rounds are gone)."""
    code = normalize_code((raw or "")[:MAX_INPUT])
    if not code or len(code) > 16 or any(ch not in ALPHABET for ch in code):
        return None
    tee_time = db.session.scalar(
        sa.select(TeeTime).options(so.joinedload(TeeTime.host)).where(TeeTime.code == code)
    )
    if tee_time is None or not tee_time.host.is_active:
        return None
    return tee_time


def start_of(day: date, slot: str | None, exact: time | None, timezone: str) -> datetime:
    """Tee time as naive UTC, from a day and a slot or exact time read on the course's clock."""
    clock = exact if exact is not None else SLOT_START[slot or "morning"]
    local = datetime.combine(day, clock, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def day_slot_of(tee_time: TeeTime) -> str:
    """The part of day a round is in on the course's clock: its slot, or the slot whose hours
    (``profiles.models.SLOT_HOURS``) hold its exact time."""
    if tee_time.slot:
        return tee_time.slot
    hour = tee_time.local_start.hour
    return "morning" if hour < 11 else "midday" if hour < 16 else "twilight"


def when_text(tee_time: TeeTime, viewer: ZoneInfo | None = None, *, yours: bool = True) -> str:
    """How a round's time reads in pages, mail and messages: on the course's clock ("Sat Dec 6,
    7:30 AM PST"), with the viewer's own clock beside it when theirs differs then ("Sat Dec 6,
    8:00 AM EST · 5:00 AM your time"). ``viewer``: the zone of whoever reads it (default: the
    signed-in viewer's, none for a visitor; mail passes its recipient's); ``yours=False`` for
    text others read."""
    start = tee_time.local_start
    zone = ZoneInfo(tee_time.timezone)
    day = when(start, "day", zone)
    clock = start.strftime("%-I:%M %p %Z")
    viewing = viewer or signed_in_zone()
    mine = in_zone(start, viewing) if viewing is not None else start
    if yours and mine.utcoffset() != start.utcoffset():
        their_day = "" if mine.date() == start.date() else f"{when(mine, 'day', viewing)}, "
        clock += f" · {their_day}{mine:%-I:%M %p} your time"
    if tee_time.slot:
        return f"{day}, {tee_time.slot} (from {clock})"
    return f"{day}, {clock}"


@dataclass
class RoundDetails:
    course: str
    day: date
    slot: str | None
    exact: time | None
    spots: int
    note: str
    visibility: str
    course_id: int | None = None


def schedule_reminders(tee_time: TeeTime) -> None:
    """Ask RQ's scheduler for the round's reminders, due ``REMINDER_LEADS`` before tee time
    (queued after commit; embedded mode has no scheduler and the tick sends them)."""
    now = utcnow()
    for lead, due in REMINDER_LEADS.items():
        at = tee_time.starts_at - due
        if at > now:
            jobs.enqueue_at(at, "app.teetimes.reminders.remind_round", tee_time.id, lead,
                            job_id=f"reminder-{tee_time.id}-{lead}")


def post_tee_time(host: User, details: RoundDetails) -> TeeTime:
    """Post a round. A course picked from the catalog gives the round its name, place and time
    zone; a course typed as free text takes them from the host's home zip."""
    profile = profile_for(host)
    course_name, zip_code = details.course, profile.zip
    latitude, longitude = profile.latitude, profile.longitude
    if details.course_id is not None:
        course = get_course(details.course_id)
        if course is None:
            raise InvalidRound("That course is not in the catalog.", "catalog_course")
        course_name = shortened(course.name, COURSE_NAME_MAX)
        if course.latitude is not None and course.longitude is not None:
            zip_code, latitude, longitude = course.zip, course.latitude, course.longitude
    timezone = timezone_for_zip(zip_code) if zip_code else "UTC"
    starts_at = start_of(details.day, details.slot, details.exact, timezone)
    now = utcnow()
    where = "time" if details.exact is not None else "date"
    if starts_at <= now:
        raise InvalidRound("That tee time has passed. Pick a time that's still ahead.", where)
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidRound(f"Post rounds up to {MAX_DAYS_AHEAD} days ahead.", "date")
    hosted = db.session.scalar(
        sa.select(sa.func.count(TeeTime.id)).where(
            TeeTime.host_id == host.id, TeeTime.starts_at > now, TeeTime.cancelled_at.is_(None)
        )
    ) or 0
    if hosted >= MAX_UPCOMING_HOSTED:
        raise InvalidRound(f"You host {MAX_UPCOMING_HOSTED} upcoming rounds already. Cancel one first.")
    for _ in range(MAX_CODE_ATTEMPTS):
        tee_time = TeeTime(
            code=new_code(), host_id=host.id, course=course_name, course_id=details.course_id,
            starts_at=starts_at, timezone=timezone, slot=details.slot if details.exact is None else None,
            spots=details.spots, note=details.note, visibility=details.visibility,
            latitude=latitude, longitude=longitude,
        )
        tee_time.local_day, tee_time.day_slot = tee_time.local_start.date(), day_slot_of(tee_time)
        try:
            with db.session.begin_nested():
                db.session.add(tee_time)
                db.session.flush()
        except IntegrityError:
            continue
        schedule_reminders(tee_time)
        return tee_time
    raise CodeUnavailable(f"no unique tee-time code after {MAX_CODE_ATTEMPTS} tries")

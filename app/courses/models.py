"""The course catalog and the courses each player has played."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db

HOLES_MIN, HOLES_MAX = 1, 72
NAME_MAX, CITY_MAX, WEBSITE_MAX, CONTACT_MAX, NOTES_MAX = 120, 60, 300, 200, 2000


class Course(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint(f"holes BETWEEN {HOLES_MIN} AND {HOLES_MAX}", name="holes"),
        sa.CheckConstraint("par IS NULL OR par BETWEEN holes * 2 AND holes * 7", name="par"),
        # The "courses near me" bounding-box prefilter runs on this index.
        sa.Index("ix_courses_latitude_longitude", "latitude", "longitude"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX), index=True)
    city: so.Mapped[str] = so.mapped_column(sa.String(CITY_MAX), default="")
    state: so.Mapped[str] = so.mapped_column(sa.String(2), default="")
    zip: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    latitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    longitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    holes: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=18)
    par: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    website: so.Mapped[str] = so.mapped_column(sa.String(WEBSITE_MAX), default="")
    contact: so.Mapped[str] = so.mapped_column(sa.String(CONTACT_MAX), default="")
    notes: so.Mapped[str] = so.mapped_column(sa.String(NOTES_MAX), default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def place(self) -> str:
        """"San Francisco, CA 94132" or as much of it as is known."""
        town = ", ".join(part for part in (self.city, self.state) if part)
        return " ".join(part for part in (town, self.zip or "") if part)


class CoursePlay(db.Model):  # type: ignore[name-defined,misc]
    """A player has played a course. The pair is the key, so marking twice is one row."""

    __tablename__ = "course_plays"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

"""Tee times (a round with open spots behind an invite code) and the claims on their spots."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User

MAX_SPOTS = 3
VISIBILITIES = ("followers", "link")
VISIBILITY_LABELS = {"followers": "My followers", "link": "Anyone with the link"}

# Claim states, computed from timestamps (no job flips them).
HELD, PENDING, LAPSED, REMOVED = "held", "pending", "lapsed", "removed"


#: A round's course name: typed (the form allows this many) or a catalog name cut to it.
COURSE_NAME_MAX = 100


class TeeTime(db.Model):  # type: ignore[name-defined,misc]
    """A round a player hosts. ``starts_at`` is naive UTC; ``timezone`` is where the course is
    (the host's home zip at posting), for showing the time as the players read it."""

    __tablename__ = "tee_times"
    __table_args__ = (
        sa.CheckConstraint(f"spots BETWEEN 1 AND {MAX_SPOTS}", name="spots"),
        sa.CheckConstraint("visibility IN ('followers', 'link')", name="visibility"),
        sa.CheckConstraint("slot IS NULL OR slot IN ('morning', 'midday', 'twilight')", name="slot"),
        # "Open rounds near me": upcoming rounds inside a latitude/longitude box.
        sa.Index("ix_tee_times_starts_at_latitude_longitude", "starts_at", "latitude", "longitude"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    host_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: so.Mapped[str] = so.mapped_column(sa.String(COURSE_NAME_MAX))
    # The catalog entry, when the host picked one (the name above is kept either way).
    course_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    starts_at: so.Mapped[datetime]
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    slot: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    spots: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    visibility: so.Mapped[str] = so.mapped_column(sa.String(10), default="link")
    latitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    longitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    # The day and part of day on the course's clock (a slot round's slot, or the slot an exact
    # time falls in), so "rounds when I'm free" is a join on availability_slots(day, slot).
    local_day: so.Mapped[date | None]
    day_slot: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    cancelled_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    host: so.Mapped[User] = so.relationship()

    def is_closed(self, now: datetime) -> bool:
        """At tee time the round closes: no more claims, unconfirmed holds lapse."""
        return now >= self.starts_at

    def local(self, moment: datetime) -> datetime:
        """A stored (naive UTC) moment as a clock at the course reads it."""
        return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(self.timezone))

    @property
    def local_start(self) -> datetime:
        return self.local(self.starts_at)


class Claim(db.Model):  # type: ignore[name-defined,misc]
    """A player's spot in a round. One row per (round, player), whatever becomes of it.

    A claim is *held* once the player's address is verified (``confirmed_at``), *pending*
    until ``hold_until`` (24 hours after claiming or tee time, whichever is first), then
    *lapsed*; a host's removal ends it for good. Only held and pending claims take a spot.
    """

    __tablename__ = "tee_time_claims"
    __table_args__ = (
        sa.UniqueConstraint("tee_time_id", "user_id", name="uq_tee_time_claims_tee_time_user"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    tee_time_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tee_times.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    claimed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    hold_until: so.Mapped[datetime]
    confirmed_at: so.Mapped[datetime | None]
    removed_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()
    tee_time: so.Mapped[TeeTime] = so.relationship()

    def status(self, now: datetime) -> str:
        if self.removed_at is not None:
            return REMOVED
        if self.confirmed_at is not None:
            return HELD
        return PENDING if now < self.hold_until else LAPSED

    @staticmethod
    def live(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
        """The SQL twin of ``status(now) in (HELD, PENDING)``: the claims that take a spot."""
        return sa.and_(
            Claim.removed_at.is_(None),
            sa.or_(Claim.confirmed_at.is_not(None), Claim.hold_until > now),
        )


#: Reminders before tee time, by name: how long before it each one is due. A reminder is due
#: from its lead until the next, shorter one is (the 24-hour one until 2 hours before).
REMINDER_LEADS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


class Reminder(db.Model):  # type: ignore[name-defined,misc]
    """A reminder sent: one row per (round, player, lead). The row is inserted (insert-or-ignore)
    in the same transaction as the mail and the notice it stands for, so however many workers
    look at once, the unique key lets one of them send it."""

    __tablename__ = "tee_time_reminders"
    __table_args__ = (
        sa.UniqueConstraint("tee_time_id", "user_id", "lead", name="uq_tee_time_reminders_round_user_lead"),
        sa.CheckConstraint("lead IN ('24h', '2h')", name="lead"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    tee_time_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tee_times.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lead: so.Mapped[str] = so.mapped_column(sa.String(4))
    sent_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


# Waitlist states, computed from timestamps like a claim's.
WAITING, OFFERED, PASSED = "waiting", "offered", "passed"


class WaitlistEntry(db.Model):  # type: ignore[name-defined,misc]
    """A player in line for a full round. When a spot frees, the first one waiting is *offered*
    it: the spot is held for them until ``offered_until`` (2 hours, or tee time if sooner), and
    nobody else may claim it meanwhile; once that passes, their turn has *passed* and the spot
    goes to the next in line. Claiming a spot ends the entry (the row is deleted)."""

    __tablename__ = "tee_time_waitlist"
    __table_args__ = (
        sa.UniqueConstraint("tee_time_id", "user_id", name="uq_tee_time_waitlist_tee_time_user"),
        # The line of one round, first come first served.
        sa.Index("ix_tee_time_waitlist_tee_time_id_joined_at", "tee_time_id", "joined_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    tee_time_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tee_times.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    offered_at: so.Mapped[datetime | None]
    offered_until: so.Mapped[datetime | None]
    #: when the player and the host were told the player's turn passed (once per offer)
    passed_told_at: so.Mapped[datetime | None]

    user: so.Mapped[User] = so.relationship()

    def status(self, now: datetime) -> str:
        if self.offered_until is None:
            return WAITING
        return OFFERED if now < self.offered_until else PASSED

    @staticmethod
    def holding(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
        """The SQL twin of ``status(now) == OFFERED``: entries that hold a spot."""
        return WaitlistEntry.offered_until > now


#: A thread post's most characters.
MAX_POST = 500


class RoundPost(db.Model):  # type: ignore[name-defined,misc]
    """A line in a round's thread, which only the host and the players holding (or awaiting) a
    spot read and write."""

    __tablename__ = "tee_time_posts"
    __table_args__ = (
        # The thread: one round's posts in order.
        sa.Index("ix_tee_time_posts_tee_time_id_id", "tee_time_id", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    tee_time_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tee_times.id", ondelete="CASCADE"))
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(MAX_POST))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped[User] = so.relationship()

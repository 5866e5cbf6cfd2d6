"""Player profiles and the slots when players are free to play."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.extensions import db

HANDICAP_MIN, HANDICAP_MAX = -10.0, 54.0
DEFAULT_RADIUS_MILES = 25
MAX_RADIUS_MILES = 500


@dataclass(frozen=True)
class Trait:
    """A profile enum: ``codes[i]`` is what forms and URLs say, ``i`` is what the row stores,
    and 0 always means "no preference"."""

    name: str
    question: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    def label(self, value: int) -> str:
        return self.labels[value] if 0 <= value < len(self.labels) else self.labels[0]

    def code(self, value: int) -> str:
        return self.codes[value] if 0 <= value < len(self.codes) else self.codes[0]

    def choices(self) -> list[tuple[str, str]]:
        return list(zip(self.codes, self.labels, strict=True))


DRINKING = Trait("drinking", "Drinks on the course", ("any", "no", "yes"),
                 ("No preference", "No drinking", "Happy to have a drink"))
MOBILITY = Trait("mobility", "Ride or walk", ("any", "ride", "walk"),
                 ("No preference", "Rides a cart", "Walks"))
WEATHER = Trait("weather", "Worst weather they'll play in", ("any", "fair", "wind", "rain"),
                ("No preference", "Fair weather only", "Wind and cold", "Rain or shine"))
PACE = Trait("pace", "Ideal round time", ("any", "quick", "steady", "relaxed"),
             ("No preference", "Quick (under 4 hours)", "Steady (about 4½ hours)", "Relaxed (no rush)"))
PLAY_STYLE = Trait("play_style", "Play or practice", ("any", "play", "practice"),
                   ("No preference", "Here to play", "Here to practice"))
ATTITUDE = Trait("attitude", "Fun or serious", ("any", "fun", "serious"),
                 ("No preference", "Just for fun", "Serious about scores"))
TRAITS = (DRINKING, MOBILITY, WEATHER, PACE, PLAY_STYLE, ATTITUDE)


def _trait_check(trait: Trait) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{trait.name} BETWEEN 0 AND {len(trait.codes) - 1}", name=trait.name)


class Profile(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "profiles"
    __table_args__ = (
        sa.CheckConstraint(f"handicap BETWEEN {HANDICAP_MIN} AND {HANDICAP_MAX}", name="handicap"),
        sa.CheckConstraint(f"radius_miles BETWEEN 1 AND {MAX_RADIUS_MILES}", name="radius_miles"),
        *(_trait_check(trait) for trait in TRAITS),
        # The partner search's bounding-box prefilter runs on this index; on PostgreSQL it also
        # hands the nearest pools each place's players (``nearest.players_pool``) without
        # reading their rows.
        sa.Index("ix_profiles_latitude_longitude", "latitude", "longitude",
                 postgresql_include=["user_id", "handicap"]),
    )

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: so.Mapped[str] = so.mapped_column(sa.String(50), default="")
    bio: so.Mapped[str] = so.mapped_column(sa.String(1000), default="")
    handicap: so.Mapped[float | None] = so.mapped_column(sa.Double)
    zip: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    city: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    state: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    latitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    longitude: so.Mapped[float | None] = so.mapped_column(sa.Double)
    radius_miles: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=DEFAULT_RADIUS_MILES)
    drinking: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    mobility: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    weather: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    pace: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    play_style: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    attitude: so.Mapped[int] = so.mapped_column(sa.SmallInteger, default=0)
    left_handed: so.Mapped[bool] = so.mapped_column(default=False)
    avatar: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def trait_rows(self) -> list[tuple[str, str]]:
        """(question, answer) for every trait with a preference."""
        return [(t.question, t.label(getattr(self, t.name))) for t in TRAITS if getattr(self, t.name)]


SLOTS = ("morning", "midday", "twilight")
SLOT_HOURS = {"morning": "6–11", "midday": "11–4", "twilight": "4–9"}


class AvailabilitySlot(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "availability_slots"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "day", "slot", name="uq_availability_slots_user_day_slot"),
        sa.CheckConstraint("slot IN ('morning', 'midday', 'twilight')", name="slot"),
        # Matching joins other players' slots on (day, slot).
        sa.Index("ix_availability_slots_day_slot", "day", "slot"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    day: so.Mapped[date]
    slot: so.Mapped[str] = so.mapped_column(sa.String(10))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

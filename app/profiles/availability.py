"""Availability: the slots a player is free in the coming two weeks."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.clock import utcnow
from app.core.inserts import insert_ignoring_duplicates
from app.core.zones import today_in, zone_of
from app.extensions import db
from app.identity.models import User
from app.profiles.editing import ProfileError
from app.profiles.models import SLOTS, AvailabilitySlot

WINDOW_DAYS = 14


def today(user: User) -> date:
    """Today on the player's clock: a San Francisco evening is still today there, though UTC
    has moved on to tomorrow."""
    return today_in(zone_of(user))


def window(user: User) -> list[date]:
    """The days a player can mark: their today and the 13 after it."""
    first = today(user)
    return [first + timedelta(days=offset) for offset in range(WINDOW_DAYS)]


def check_slot(user: User, day: date, slot: str) -> None:
    first = today(user)
    if day < first:
        raise ProfileError("date", "That day has passed. Pick today or a day in the next two weeks.")
    if day > first + timedelta(days=WINDOW_DAYS - 1):
        raise ProfileError("date", f"You can mark days up to {WINDOW_DAYS} days ahead.")
    if slot not in SLOTS:
        raise ProfileError("slot", "Pick morning, midday or twilight.")


def mark_slot(user: User, day: date, slot: str) -> None:
    """Say the player is free then. Marking a slot that is already marked changes nothing
    (the unique constraint decides, so two tabs racing can't make a duplicate)."""
    check_slot(user, day, slot)
    insert_ignoring_duplicates(AvailabilitySlot, user_id=user.id, day=day, slot=slot, created_at=utcnow())


def unmark_slot(user: User, day: date, slot: str) -> None:
    check_slot(user, day, slot)
    db.session.execute(
        sa.delete(AvailabilitySlot).where(
            AvailabilitySlot.user_id == user.id, AvailabilitySlot.day == day, AvailabilitySlot.slot == slot
        )
    )


def availability_grid(user: User) -> list[tuple[date, dict[str, bool]]]:
    """The coming 14 days, each with every slot marked or not (empty days included)."""
    days = window(user)
    marked = set(
        db.session.execute(
            sa.select(AvailabilitySlot.day, AvailabilitySlot.slot).where(
                AvailabilitySlot.user_id == user.id, AvailabilitySlot.day.between(days[0], days[-1])
            )
        )
    )
    return [(day, {slot: (day, slot) in marked for slot in SLOTS}) for day in days]


def has_slots(user: User) -> bool:
    days = window(user)
    return db.session.scalar(
        sa.select(sa.exists().where(
            AvailabilitySlot.user_id == user.id, AvailabilitySlot.day.between(days[0], days[-1])
        ))
    ) or False

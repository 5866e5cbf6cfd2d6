"""Reminders 24 hours and 2 hours before tee time, once each for the host and every player.

Two clocks drive them: RQ's scheduler runs :func:`remind_round` at the moment a reminder is due
(asked for by ``rounds.schedule_reminders`` when the round is posted), and the tick (the
worker's maintenance, or embedded mode's ticker) runs :func:`send_due_reminders`, which finds
any that are due and unsent. Whichever comes first sends; the other finds the reminder's row
already there. The row is the guarantee: it is inserted with ``ON CONFLICT DO NOTHING`` in the
transaction that writes the mail and the notice, so of any number of workers only the one whose
insert lands sends (on PostgreSQL a second insert waits for the first transaction and then does
nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.core.signals import this_app
from app.core.zones import zone_of
from app.extensions import db
from app.identity.models import User
from app.teetimes.listings import claims_of
from app.teetimes.mail import mail_player
from app.teetimes.models import HELD, PENDING, REMINDER_LEADS, Reminder, TeeTime
from app.teetimes.rounds import round_url, when_text
from app.teetimes.signals import round_reminder

log = logging.getLogger(__name__)

#: (lead, how long before tee time it is due, until when before tee time it is still worth sending)
WINDOWS = [
    (lead, due, min((d for d in REMINDER_LEADS.values() if d < due), default=timedelta(0)))
    for lead, due in REMINDER_LEADS.items()
]
LEAD_WORDS = {"24h": "tomorrow", "2h": "in 2 hours"}


@dataclass(frozen=True)
class DueReminder:
    tee_time: TeeTime
    player: User
    lead: str


def due_reminders(now: datetime, tee_time_id: int | None = None) -> list[DueReminder]:
    """Reminders due and not sent yet. A reminder is for the host and the players with a live
    spot who were in the round when it fell due: someone who joins 5 hours before tee time has
    just read the time, so gets the 2-hour reminder only."""
    found: list[DueReminder] = []
    for lead, due, until in WINDOWS:
        query = (
            sa.select(TeeTime)
            .join(User, User.id == TeeTime.host_id)
            .options(so.contains_eager(TeeTime.host))
            .where(
                TeeTime.cancelled_at.is_(None), User.deactivated_at.is_(None),
                TeeTime.starts_at > now + until, TeeTime.starts_at <= now + due,
            )
        )
        if tee_time_id is not None:
            query = query.where(TeeTime.id == tee_time_id)
        for tee_time in db.session.scalars(query):
            cutoff = tee_time.starts_at - due
            sent = set(db.session.scalars(
                sa.select(Reminder.user_id).where(Reminder.tee_time_id == tee_time.id, Reminder.lead == lead)
            ))
            people = [tee_time.host] if tee_time.created_at <= cutoff else []
            people += [
                c.user for c in claims_of(tee_time)
                if c.status(now) in (HELD, PENDING) and c.claimed_at <= cutoff
            ]
            found += [DueReminder(tee_time, person, lead) for person in people if person.id not in sent]
    return found


def claim_reminder(reminder: DueReminder) -> bool:
    """Insert the reminder's row unless it is there already; True if this caller inserted it."""
    inserted = db.session.scalar(
        dialect_insert(Reminder.__table__)
        .values(tee_time_id=reminder.tee_time.id, user_id=reminder.player.id, lead=reminder.lead,
                sent_at=utcnow())
        .on_conflict_do_nothing()
        .returning(Reminder.__table__.c.id)
    )
    return inserted is not None


def send_reminder(reminder: DueReminder) -> bool:
    """Claim, mail and notify in one transaction (the caller commits); False if already sent."""
    if not claim_reminder(reminder):
        return False
    tee_time, player = reminder.tee_time, reminder.player
    round_reminder.send(this_app(), tee_time=tee_time, player=player, lead=reminder.lead)
    mail_player(
        player, "teetime_reminder", f"Reminder: golf at {tee_time.course} {LEAD_WORDS[reminder.lead]}",
        tee_time=tee_time, when=when_text(tee_time, zone_of(player)), url=round_url(tee_time),
        is_host=player.id == tee_time.host_id, lead=LEAD_WORDS[reminder.lead],
    )
    return True


def send_due_reminders(tee_time_id: int | None = None) -> int:
    """Send every due reminder (of one round, or all), each in its own committed transaction so
    one player's failure does not hold back the rest. Returns how many this caller sent."""
    sent = 0
    for reminder in due_reminders(utcnow(), tee_time_id):
        try:
            sent += send_reminder(reminder)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("the %s reminder of round %s failed; the next tick tries again",
                          reminder.lead, reminder.tee_time.id)
    return sent


def remind_round(tee_time_id: int, lead: str) -> int:
    """RQ's scheduled job for one round's reminder: sends what is due of that round (``lead``
    names the job; a late job finds the later reminder due instead, or nothing)."""
    return send_due_reminders(tee_time_id)

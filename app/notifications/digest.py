"""The daily digest: once a day, in the player's morning, one mail gathers what happened since
their last digest in the kinds they want ``daily``.

The tick (the RQ worker's maintenance in services mode, embedded mode's ticker and
``flask jobs tick``) runs :func:`send_due_digests`; it may run on any number of workers at once.
A player's digest is due from ``DIGEST_HOUR`` local time for five hours. Before its mail is
queued, the (player, local day) row is inserted with ``ON CONFLICT DO NOTHING RETURNING``, in the
transaction that queues the mail: only the caller whose insert lands sends, so a day has one
digest however many workers look. A player with nothing new gets no digest and no row, and
is looked at again at the next tick.

Times are stored in UTC; the morning is the player's, in the zone :func:`player_zone` gives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.core.zones import UTC_ZONE, timezone_for_zip, zone_named
from app.extensions import db
from app.identity.models import User
from app.notifications.mail import DIGEST_KINDS, can_receive_mail, mail_notice
from app.notifications.models import MailDigest, Notification
from app.notifications.preferences import DIGEST, mail_modes
from app.profiles.models import Profile
from app.safety.services import quiet_for

log = logging.getLogger(__name__)

#: The digest is due from ``DIGEST_HOUR`` for this long; missed (the machine down all morning),
#: the day passes without one and the next digest gathers its news.
MORNING = timedelta(hours=5)
#: A digest gathers at most this far back (a first digest, or a player back after a long break).
LOOK_BACK = timedelta(days=7)


def player_zone(user: User, home_zip: str | None) -> ZoneInfo:
    """The player's time zone: their own setting, else their home zip's, else UTC (the rule of
    ``app.core.zones.zone_of``, with the home zip the digest's query already holds)."""
    chosen = zone_named(user.timezone)
    if chosen is not None:
        return chosen
    return ZoneInfo(timezone_for_zip(home_zip)) if home_zip else UTC_ZONE


def morning_day(now: datetime, zone: ZoneInfo) -> date | None:
    """The player's calendar day whose digest is due at ``now`` (naive UTC), or None when it is
    not their morning."""
    local = now.replace(tzinfo=UTC_ZONE).astimezone(zone).replace(tzinfo=None)
    hour = int(current_app.config["DIGEST_HOUR"])
    for day in (local.date(), local.date() - timedelta(days=1)):
        start = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
        if start <= local < start + MORNING:
            return day
    return None


@dataclass(frozen=True)
class DigestLine:
    kind: str
    actor: str | None
    count: int
    text: str
    url: str


def _line(notification: Notification, base_url: str) -> DigestLine:
    actor = notification.actor.username if notification.actor is not None else None
    who = actor or "Someone"
    kind, count = notification.kind, notification.count
    if kind == "message":
        text = f"{who} sent you a message" if count == 1 else f"{who} sent you {count} messages"
        url = f"{base_url}/messages/{actor}" if actor else f"{base_url}/messages"
    elif kind == "follow":
        text, url = f"{who} started following you", f"{base_url}/u/{actor}" if actor else base_url
    elif kind == "fistbump":
        text, url = f"{who} gave you a fist bump", f"{base_url}/u/{actor}" if actor else base_url
    elif kind == "referral":
        text, url = f"{who} joined Fairway with your link", f"{base_url}/referrals"
    else:
        code = (notification.group_key or "").partition(":")[2]
        verb = "claimed a spot in" if kind == "round_claimed" else "gave up their spot in"
        many = f" ({count} times)" if count > 1 else ""
        text, url = f"{who} {verb} your round{many}", f"{base_url}/t/{code}"
    return DigestLine(kind, actor, count, text, url)


def digest_lines(user: User, since: datetime) -> list[DigestLine]:
    """What the player's digest would say: unread notices of their ``daily`` kinds updated since
    ``since``, newest first, none from a player they muted or blocked."""
    modes = mail_modes(user)
    kinds = [kind for kind, mail_kind in DIGEST_KINDS.items() if modes[mail_kind] == "daily"]
    if not kinds:
        return []
    notices = db.session.scalars(
        sa.select(Notification)
        .options(so.joinedload(Notification.actor))
        .where(
            Notification.user_id == user.id, Notification.read_at.is_(None), Notification.kind.in_(kinds),
            Notification.updated_at > since, quiet_for(user.id, Notification.actor_id),
        )
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .limit(50)
    )
    base_url = current_app.config["APP_BASE_URL"]
    return [_line(notice, base_url) for notice in notices]


def _last_digest_at(user_id: Any) -> sa.Select[Any]:
    return sa.select(sa.func.max(MailDigest.sent_at)).where(MailDigest.user_id == user_id)


def _candidates(now: datetime, limit: int) -> list[tuple[int, str | None]]:
    """Players with unread notices of a digest kind newer than their last digest (ids and home
    zips): the only ones a digest could go to."""
    since = sa.func.coalesce(_last_digest_at(User.id).scalar_subquery(), now - LOOK_BACK)
    news = sa.exists().where(
        Notification.user_id == User.id, Notification.read_at.is_(None),
        Notification.kind.in_(list(DIGEST_KINDS)), Notification.updated_at > since,
        Notification.updated_at > now - LOOK_BACK,
    )
    rows = db.session.execute(
        sa.select(User.id, Profile.zip)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.deactivated_at.is_(None), User.email_verified_at.is_not(None), news)
        .order_by(User.id).limit(limit)
    ).all()
    return [(row.id, row.zip) for row in rows]


def claim_digest(user_id: int, day: date) -> bool:
    """Insert the (player, day) row unless it is there; True if this caller inserted it."""
    table = MailDigest.__table__
    inserted = db.session.scalar(
        dialect_insert(table).values(user_id=user_id, day=day, sent_at=utcnow())
        .on_conflict_do_nothing().returning(table.c.id)
    )
    return inserted is not None


def send_digest(user: User, day: date, now: datetime) -> bool:
    """Claim the player's digest for ``day`` and queue it, in the caller's transaction; False if
    there is nothing new or another caller has sent it."""
    if not can_receive_mail(user):
        return False
    last = db.session.scalar(_last_digest_at(user.id))
    since = max(last, now - LOOK_BACK) if last is not None else now - LOOK_BACK
    lines = digest_lines(user, since)
    if not lines or not claim_digest(user.id, day):
        return False
    news = "1 new thing" if len(lines) == 1 else f"{len(lines)} new things"
    subject = f"Your day on Fairway: {news}"
    return mail_notice(user, DIGEST, "digest", subject, lines=lines, day=day,
                       notifications_url=f"{current_app.config['APP_BASE_URL']}/notifications")


def send_due_digests(limit: int = 1000) -> int:
    """The tick's pass: every player whose digest is due now and has news gets it, each in a
    transaction of its own. Returns how many this caller sent."""
    now = utcnow()
    candidates = _candidates(now, limit)
    db.session.rollback()
    sent = 0
    for user_id, home_zip in candidates:
        try:
            user = db.session.get(User, user_id)
            day = morning_day(now, player_zone(user, home_zip)) if user is not None else None
            if user is None or day is None:
                continue
            if send_digest(user, day, now):
                sent += 1
                db.session.commit()
            else:
                db.session.rollback()
        except Exception:
            db.session.rollback()
            log.exception("the digest of player %s failed; the next tick tries again", user_id)
    return sent

"""A round's thread: short posts between the host and the players holding or awaiting a spot.
Nobody else reads or writes it; a cancelled round's thread is read-only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.clock import utcnow
from app.core.signals import this_app
from app.extensions import db
from app.identity.models import User
from app.safety.services import visible_to
from app.teetimes.errors import NotAllowed, RoundClosed, TeeTimeError
from app.teetimes.listings import claims_of
from app.teetimes.models import HELD, MAX_POST, PENDING, RoundPost, TeeTime
from app.teetimes.signals import thread_posted

#: The thread shows this many latest posts: a round's chat, not a forum.
THREAD_LENGTH = 50


class InvalidPost(TeeTimeError):
    field = "body"


def people_in(tee_time: TeeTime) -> list[User]:
    """The host and the active players whose spot is held or pending."""
    now = utcnow()
    return [tee_time.host] + [c.user for c in claims_of(tee_time) if c.status(now) in (HELD, PENDING)]


def thread_of(viewer: Any, tee_time: TeeTime) -> list[RoundPost]:
    """The latest posts, oldest first (the newest at the bottom), without those of players a
    block stands between the viewer and. One query."""
    latest = list(db.session.scalars(
        sa.select(RoundPost)
        .join(User, User.id == RoundPost.author_id)
        .options(so.contains_eager(RoundPost.author))
        .where(
            RoundPost.tee_time_id == tee_time.id, User.deactivated_at.is_(None),
            visible_to(viewer.id, RoundPost.author_id),
        )
        .order_by(RoundPost.id.desc())
        .limit(THREAD_LENGTH)
    ))
    return latest[::-1]


def post_to_thread(author: User, tee_time: TeeTime, body: str) -> RoundPost:
    """Add ``body`` to the round's thread and tell everyone else in the round (muted or
    blocked authors notify no one who silenced them: the notifications area asks safety)."""
    people = people_in(tee_time)
    if all(person.id != author.id for person in people):
        raise NotAllowed("Only the host and the round's players can write in its thread.")
    if tee_time.cancelled_at is not None:
        raise RoundClosed("The round is cancelled: its thread is read-only.")
    body = body.strip()
    if not 1 <= len(body) <= MAX_POST:
        raise InvalidPost(f"A post is 1 to {MAX_POST} characters.")
    post = RoundPost(tee_time_id=tee_time.id, author_id=author.id, body=body, created_at=utcnow())
    db.session.add(post)
    db.session.flush()
    others = [person for person in people if person.id != author.id]
    thread_posted.send(this_app(), tee_time=tee_time, author=author, post=post, players=others)
    return post

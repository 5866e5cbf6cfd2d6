"""Conversations and messages as plain functions. Services add and flush; the request commits.

A conversation is made by the first message between two players; its unique (low_id, high_id)
pair settles a race between two first messages (the loser reads the winner's row and goes on).
Each send updates the conversation's inbox columns with single UPDATE statements, so unread
counts stay exact however many messages arrive at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from app.core.signals import this_app
from app.extensions import db
from app.following.services import followed_by
from app.identity.models import User
from app.identity.services import active_user  # noqa: F401  (this area's views use it)
from app.messaging.models import BODY_MAX, PREVIEW_MAX, Conversation, Message
from app.messaging.signals import conversation_read, message_sent
from app.profiles.models import Profile
from app.safety.services import check_new_conversation, check_reach, quiet_for, visible_to

log = logging.getLogger(__name__)

PER_PAGE = 20
INBOX_PER_PAGE = 20
MAX_OPEN_ATTEMPTS = 3


class MessagingError(Exception):
    """A rule refused the message; the message is for the user."""


# --- conversations -------------------------------------------------------------------------


def _pair(one: User, other: User) -> tuple[int, int]:
    low, high = sorted((one.id, other.id))
    return low, high


def find_conversation(one: User, other: User) -> Conversation | None:
    low, high = _pair(one, other)
    return db.session.scalar(
        sa.select(Conversation).where(Conversation.low_id == low, Conversation.high_id == high)
    )


def open_conversation(one: User, other: User) -> Conversation:
    """The pair's conversation, made now if there is none. Safe to race."""
    low, high = _pair(one, other)
    for _ in range(MAX_OPEN_ATTEMPTS):
        existing = find_conversation(one, other)
        if existing is not None:
            return existing
        conversation = Conversation(low_id=low, high_id=high)
        try:
            with db.session.begin_nested():
                db.session.add(conversation)
                db.session.flush()
        except IntegrityError:
            log.info("conversation %s-%s was opened concurrently; reading the winner", low, high)
            continue
        return conversation
    raise RuntimeError(f"no conversation for {low}-{high} after {MAX_OPEN_ATTEMPTS} tries")


def preview_of(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= PREVIEW_MAX else flat[: PREVIEW_MAX - 1] + "…"


def send_message(sender: User, recipient: User, body: str) -> Message:
    """Store a message from ``sender`` to ``recipient`` and update the conversation's inbox
    columns. Safety decides first: ``Unreachable`` (403) across a block or when the recipient's
    ``messages_from`` does not admit a new conversation, ``FirstContactLimit`` (429)."""
    if sender.id == recipient.id:
        raise MessagingError("You can't send a message to yourself.")
    if not recipient.is_active:
        raise MessagingError("That player isn't on Fairway any more.")
    body = body.strip()
    if not 1 <= len(body) <= BODY_MAX:
        raise MessagingError(f"A message is 1 to {BODY_MAX} characters.")
    check_reach(sender, recipient)
    if find_conversation(sender, recipient) is None:
        check_new_conversation(sender, recipient)
    conversation = open_conversation(sender, recipient)
    message = Message(conversation_id=conversation.id, sender_id=sender.id, body=body)
    db.session.add(message)
    db.session.flush()
    unread = "low_unread" if recipient.id == conversation.low_id else "high_unread"
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation.id)
        .values({unread: getattr(Conversation, unread) + 1})
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Conversation)
        .where(
            Conversation.id == conversation.id,
            sa.or_(Conversation.last_message_id.is_(None), Conversation.last_message_id < message.id),
        )
        .values(
            last_message_id=message.id,
            last_sender_id=sender.id,
            last_preview=preview_of(body),
            last_at=message.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(conversation)
    message_sent.send(this_app(), message=message, author=sender, recipient=recipient)
    return message


def mark_read(reader: User, conversation: Conversation) -> None:
    """Opening a conversation reads it: the reader's unread count goes back to zero."""
    unread = Conversation.low_unread if reader.id == conversation.low_id else Conversation.high_unread
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation.id, unread > 0)
        .values({unread.key: 0})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(conversation)
    conversation_read.send(this_app(), reader=reader, conversation=conversation)


@dataclass
class ConversationPage:
    """Messages newest first; ``older`` is the ``before`` id of the next (older) page, if any."""

    messages: list[Message]
    older: int | None


def conversation_page(conversation: Conversation | None, before: int | None = None,
                      per_page: int = PER_PAGE) -> ConversationPage:
    if conversation is None:
        return ConversationPage(messages=[], older=None)
    query = sa.select(Message).where(Message.conversation_id == conversation.id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = list(db.session.scalars(query.order_by(Message.id.desc()).limit(per_page + 1)))
    older = rows[per_page - 1].id if len(rows) > per_page else None
    return ConversationPage(messages=rows[:per_page], older=older)


@dataclass
class NewMessages:
    """What the open conversation's poll finds: whether the other player is there for the
    reader at all (active, no block either way), the pair's conversation, and the messages
    after the one the page shows last, oldest first."""

    other: User | None
    reachable: bool
    conversation: Conversation | None
    messages: list[Message]


def messages_since(reader: User, username: str, after: int, limit: int = PER_PAGE) -> NewMessages:
    """The messages between ``reader`` and the active player ``username`` with an id above
    ``after``, oldest first, at most ``limit``: ONE statement, whatever the history size (the
    player by the unique username, the pair's conversation by its unique (low_id, high_id), then
    a range of ``ix_messages_conversation_id_id``). With nothing new it still answers one row
    (outer joins), so an unknown player (no row) and a blocked pair tell themselves apart."""
    other = so.aliased(User)
    low = sa.case((other.id < reader.id, other.id), else_=reader.id)
    high = sa.case((other.id < reader.id, reader.id), else_=other.id)
    rows = db.session.execute(
        sa.select(other, visible_to(reader.id, other.id).label("reachable"), Conversation, Message)
        .select_from(other)
        .outerjoin(Conversation, sa.and_(Conversation.low_id == low, Conversation.high_id == high))
        .outerjoin(Message, sa.and_(Message.conversation_id == Conversation.id, Message.id > after))
        .where(other.username == username.strip().lower()[:30], other.deactivated_at.is_(None))
        .order_by(Message.id)
        .limit(limit)
    ).all()
    if not rows:
        return NewMessages(other=None, reachable=False, conversation=None, messages=[])
    first = rows[0]
    return NewMessages(
        other=first[0], reachable=bool(first[1]), conversation=first[2],
        messages=[row[3] for row in rows if row[3] is not None],
    )


def message_seen_by(reader: User, message_id: int) -> Message | None:
    """The message, when it belongs to one of ``reader``'s conversations (to report it)."""
    return db.session.scalar(
        sa.select(Message).join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id == message_id, _mine(reader.id))
    )


# --- the inbox -----------------------------------------------------------------------------


@dataclass
class InboxRow:
    other: User
    preview: str
    sent_by_me: bool
    unread: int
    last_at: datetime | None


@dataclass
class Inbox:
    rows: list[InboxRow]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _mine(user_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(Conversation.low_id == user_id, Conversation.high_id == user_id)


def inbox(user: User, page: int = 1, per_page: int = INBOX_PER_PAGE) -> Inbox:
    """One row per conversation, newest activity first: one query, whatever the history size."""
    other = so.aliased(User)
    other_id = sa.case((Conversation.low_id == user.id, Conversation.high_id), else_=Conversation.low_id)
    rows = db.session.execute(
        sa.select(Conversation, other)
        .join(other, other.id == other_id)
        .where(_mine(user.id), Conversation.last_at.is_not(None), other.deactivated_at.is_(None),
               visible_to(user.id, other.id))
        .order_by(Conversation.last_at.desc(), Conversation.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return Inbox(
        rows=[
            InboxRow(
                other=person,
                preview=conversation.last_preview,
                sent_by_me=conversation.last_sender_id == user.id,
                unread=conversation.unread_for(user.id),
                last_at=conversation.last_at,
            )
            for conversation, person in rows[:per_page]
        ],
        page=page,
        has_next=len(rows) > per_page,
    )


#: The most players the inbox's "New message" box suggests.
SUGGESTIONS_MOST = 100


def people_to_write(user: User, limit: int = SUGGESTIONS_MOST) -> list[tuple[str, str]]:
    """``(username, display name)`` of the active players ``user`` follows, no block between
    them, by username: the inbox's "New message" suggestions, in one query."""
    rows = db.session.execute(
        sa.select(User.username, Profile.display_name)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.id.in_(followed_by(user)), User.deactivated_at.is_(None), visible_to(user.id, User.id))
        .order_by(User.username)
        .limit(limit)
    ).all()
    return [(username, name or username) for username, name in rows]


def unread_conversations(user: User, limit: int = 20) -> list[InboxRow]:
    """The user's conversations with unread messages, newest first: one query. For the
    timeline, so muted players' conversations stay out (they still wait in the inbox)."""
    other = so.aliased(User)
    other_id = sa.case((Conversation.low_id == user.id, Conversation.high_id), else_=Conversation.low_id)
    rows = db.session.execute(
        sa.select(Conversation, other)
        .join(other, other.id == other_id)
        .where(
            sa.or_(
                sa.and_(Conversation.low_id == user.id, Conversation.low_unread > 0),
                sa.and_(Conversation.high_id == user.id, Conversation.high_unread > 0),
            ),
            other.deactivated_at.is_(None),
            quiet_for(user.id, other.id),
        )
        .order_by(Conversation.last_at.desc(), Conversation.id.desc())
        .limit(limit)
    ).all()
    return [
        InboxRow(
            other=person,
            preview=conversation.last_preview,
            sent_by_me=conversation.last_sender_id == user.id,
            unread=conversation.unread_for(user.id),
            last_at=conversation.last_at,
        )
        for conversation, person in rows
    ]


def unread_total_query(user: User) -> sa.Select[Any]:
    """The query behind the nav badge, for ``/api/badges`` to join with the other badges'.
    Hidden conversations (a block) don't count."""
    other_id = sa.case((Conversation.low_id == user.id, Conversation.high_id), else_=Conversation.low_id)
    return sa.select(sa.func.coalesce(sa.func.sum(
        sa.case((Conversation.low_id == user.id, Conversation.low_unread), else_=Conversation.high_unread)
    ), 0)).where(
        sa.or_(
            sa.and_(Conversation.low_id == user.id, Conversation.low_unread > 0),
            sa.and_(Conversation.high_id == user.id, Conversation.high_unread > 0),
        ),
        visible_to(user.id, other_id),
    )


def unread_total(user: User) -> int:
    """Unread messages across the user's conversations (the nav badge): one query. Hidden
    conversations (a block) don't count."""
    return int(db.session.scalar(unread_total_query(user)) or 0)

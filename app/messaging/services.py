"""Conversations and messages as plain functions. Services add and flush; the request commits.

A conversation is made by the first message between two players; its unique (low_id, high_id)
pair settles a race between two first messages (the loser reads the winner's row and goes on).
Each send updates the conversation's inbox columns with single UPDATE statements, so unread
counts stay exact however many messages arrive at once.
"""

from __future__ import annotations

import functools
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
from app.profiles.editing import shown_name
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
    """Opening a conversation reads it: the reader's unread count goes back to zero, and the
    notifications of its messages are read (a listener). Nothing to write, and no statement, when
    the row as this request loaded it had nothing unread: re-opening a read conversation, the
    common case, costs no write (a message arriving after the load is counted unread either
    way, as it would be after the update)."""
    unread = Conversation.low_unread if reader.id == conversation.low_id else Conversation.high_unread
    if sa.inspect(conversation).attrs[unread.key].loaded_value == 0:  # not loaded: NO_VALUE
        return
    db.session.execute(
        sa.update(Conversation)
        .where(Conversation.id == conversation.id, unread > 0)
        .values({unread.key: 0})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(conversation, [unread.key])  # the rest is unchanged: no reload for listeners
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


@dataclass(frozen=True, slots=True)
class Person:
    """The other side of a conversation, as the inbox shows them (no ORM entity: a list of
    twenty needs two columns, not a loaded and tracked account each)."""

    id: int
    username: str
    #: the display name, or the username when they have none
    name: str


@dataclass(slots=True)
class InboxRow:
    other: Person
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


#: The player whose inbox is read: the inbox statements below are built once, with this
#: parameter, and reused (building and hashing a statement cost more than running it).
_ME = sa.bindparam("me", type_=sa.Integer)


#: How many rows each side of the inbox reads: the page's end (offset + rows + 1).
_UPTO = sa.bindparam("upto", type_=sa.Integer)


def _inbox_side(mine: Any, theirs: Any, unread: Any, *, unread_only: bool) -> sa.Subquery:
    """The conversations where the player sits on one side (``mine`` is ``low_id`` or
    ``high_id``), newest first, at most ``upto`` of them: a backward walk of that side's
    ``(…_id, last_at)`` index that stops at the page's end, whatever the number of conversations.
    ``unread_only``: only those with unread messages, none with a muted player (the timeline)."""
    other = so.aliased(User)
    conditions = [mine == _ME, Conversation.last_at.is_not(None), other.deactivated_at.is_(None)]
    if unread_only:
        conditions += [unread > 0, quiet_for(_ME, other.id)]  # type: ignore[arg-type]
    else:
        conditions.append(visible_to(_ME, other.id))  # type: ignore[arg-type]
    return (
        sa.select(other.id.label("other_id"), other.username.label("username"),
                  Conversation.last_preview.label("preview"), Conversation.last_sender_id.label("sender"),
                  unread.label("unread"), Conversation.last_at.label("last_at"),
                  Conversation.id.label("conversation_id"))
        .join(other, other.id == theirs)
        .where(*conditions)
        .order_by(Conversation.last_at.desc(), Conversation.id.desc())
        .limit(_UPTO)
        .subquery()
    )


def _merged_sides(*, unread_only: bool) -> sa.Select[Any]:
    """The two sides' newest conversations merged, then the page cut from them, then the other
    players' names for the page's rows only (a primary-key lookup each): about a page of rows
    read from each side instead of every conversation the player has."""
    low = _inbox_side(Conversation.low_id, Conversation.high_id, Conversation.low_unread,
                      unread_only=unread_only)
    high = _inbox_side(Conversation.high_id, Conversation.low_id, Conversation.high_unread,
                       unread_only=unread_only)
    both = sa.union_all(sa.select(low), sa.select(high)).subquery()
    page = (
        sa.select(both)
        .order_by(both.c.last_at.desc(), both.c.conversation_id.desc())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .subquery()
    )
    return (
        sa.select(page.c.other_id, page.c.username, page.c.preview, page.c.sender, page.c.unread,
                  page.c.last_at, shown_name(page.c.username))
        .outerjoin(Profile, Profile.user_id == page.c.other_id)
        .order_by(page.c.last_at.desc(), page.c.conversation_id.desc())
    )


@functools.cache
def _inbox_statement() -> sa.Select[Any]:
    return _merged_sides(unread_only=False)


@functools.cache
def _unread_statement() -> sa.Select[Any]:
    return _merged_sides(unread_only=True)


def _inbox_rows(user_id: int, rows: Any) -> list[InboxRow]:
    return [
        InboxRow(other=Person(other_id, username, name), preview=preview, sent_by_me=sender == user_id,
                 unread=unread, last_at=last_at)
        for other_id, username, preview, sender, unread, last_at, name in rows
    ]


def inbox(user: User, page: int = 1, per_page: int = INBOX_PER_PAGE) -> Inbox:
    """One row per conversation, newest activity first, with the other player's name: one
    query, whatever the history size or the number of conversations. Seven columns through the
    session's connection (no ORM entities to load and track), from a statement built once."""
    offset = (page - 1) * per_page
    rows = db.session.connection().execute(
        _inbox_statement(),
        {"me": user.id, "limit": per_page + 1, "offset": offset, "upto": offset + per_page + 1},
    ).all()
    return Inbox(rows=_inbox_rows(user.id, rows[:per_page]), page=page, has_next=len(rows) > per_page)


#: The most players the inbox's "New message" box suggests.
SUGGESTIONS_MOST = 100


def people_to_write(user: User, limit: int = SUGGESTIONS_MOST) -> list[tuple[str, str]]:
    """``(username, display name)`` of the active players ``user`` follows, no block between
    them, by username: the inbox's "New message" suggestions, in one query."""
    rows = db.session.execute(
        sa.select(User.username, Profile.display_name)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.id.in_(followed_by(user.id)), User.deactivated_at.is_(None), visible_to(user.id, User.id))
        .order_by(User.username)
        .limit(limit)
    ).all()
    return [(username, name or username) for username, name in rows]


def unread_conversations(user: User, limit: int = 20) -> list[InboxRow]:
    """The user's conversations with unread messages, newest first: one query. For the
    timeline, so muted players' conversations stay out (they still wait in the inbox)."""
    rows = db.session.connection().execute(
        _unread_statement(), {"me": user.id, "limit": limit, "offset": 0, "upto": limit}
    ).all()
    return _inbox_rows(user.id, rows)


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

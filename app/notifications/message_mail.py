"""Instant message mail: a message still unread ``MESSAGE_MAIL_DELAY_SECONDS`` after it arrived
is mailed, at most once per conversation every 15 minutes.

A message to a player who wants message mail ``instant`` sets the due moment on the player's
row for the conversation (``MessageMail``; a later message leaves an earlier due moment alone)
and asks RQ's scheduler to run :func:`mail_conversation` then. The tick (the worker's
maintenance, or embedded mode's ticker and ``flask jobs tick``) runs :func:`send_due_message_mails`,
which finds the same rows: whichever comes first sends, the other finds nothing due.

When due, the conversation must still hold unread messages for the player that no earlier mail
covered. The mail is sent by one conditional update: ``due_at`` still as read and ``sent_at``
at least 15 minutes old. Of any number of workers, one update lands; PostgreSQL makes the
others wait for its commit and then find the row changed. A due moment inside the 15 minutes
moves to their end.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult

from app import jobs
from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.extensions import db
from app.identity.models import User
from app.messaging.models import Conversation
from app.notifications.mail import can_receive_mail, mail_notice
from app.notifications.models import MessageMail
from app.notifications.preferences import mail_mode
from app.notifications.services import listener
from app.safety.services import silenced

log = logging.getLogger(__name__)

#: At most one message mail per player and conversation in this long.
MESSAGE_MAIL_INTERVAL = timedelta(minutes=15)
JOB = "app.notifications.message_mail.mail_conversation"


def _wants_message_mail(user: User, author_id: int) -> bool:
    return (can_receive_mail(user) and mail_mode(user, "message") == "instant"
            and not silenced(user.id, author_id))


def _schedule(user_id: int, conversation_id: int, due: datetime) -> None:
    jobs.enqueue_at(due, JOB, user_id, conversation_id,
                    job_id=f"message-mail-{user_id}-{conversation_id}-{due:%Y%m%d%H%M%S%f}")


@listener("message mail")
def on_message_sent(message: Any, author: User, recipient: User, **_: Any) -> None:
    """Make a mail due for the message unless one is due already (it will cover this one)."""
    if not _wants_message_mail(recipient, author.id):
        return
    now = utcnow()
    due = message.created_at + timedelta(seconds=current_app.config["MESSAGE_MAIL_DELAY_SECONDS"])
    table = MessageMail.__table__
    insert = dialect_insert(table).values(
        user_id=recipient.id, conversation_id=message.conversation_id, due_at=due, last_message_id=0
    )
    # A due moment already past is being handled (or about to be): this message starts its own.
    keep = sa.and_(table.c.due_at.is_not(None), table.c.due_at > now)
    due_at = db.session.scalar(
        insert.on_conflict_do_update(
            index_elements=["user_id", "conversation_id"],
            set_={"due_at": sa.case((keep, table.c.due_at), else_=insert.excluded.due_at)},
        ).returning(table.c.due_at)
    )
    if due_at == due:
        _schedule(recipient.id, message.conversation_id, due)


def _move_due(row_id: int, seen: datetime, to: datetime | None) -> bool:
    """Compare-and-set ``due_at``: only if it still holds what this caller read."""
    result = db.session.execute(
        sa.update(MessageMail).where(MessageMail.id == row_id, MessageMail.due_at == seen).values(due_at=to)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _unread_since(conversation: Conversation, user_id: int, covered: int) -> bool:
    """The player has unread messages in the conversation, newer than the last mail covered."""
    return (conversation.unread_for(user_id) > 0 and conversation.last_sender_id != user_id
            and (conversation.last_message_id or 0) > covered)


def mail_conversation(user_id: int, conversation_id: int) -> bool:
    """Send the player's mail for the conversation if it is due and its messages are still
    unread; commits. True if this caller queued the mail."""
    now = utcnow()
    row = db.session.scalar(sa.select(MessageMail).where(
        MessageMail.user_id == user_id, MessageMail.conversation_id == conversation_id))
    if row is None or row.due_at is None or row.due_at > now:
        db.session.rollback()
        return False
    seen, row_id, covered, last_sent = row.due_at, row.id, row.last_message_id, row.sent_at
    conversation = db.session.get(Conversation, conversation_id)
    user = db.session.get(User, user_id)
    if (conversation is None or user is None or not _unread_since(conversation, user_id, covered)
            or not _wants_message_mail(user, conversation.last_sender_id or 0)):
        _move_due(row_id, seen, None)
        db.session.commit()
        return False
    if last_sent is not None and last_sent > now - MESSAGE_MAIL_INTERVAL:
        later = last_sent + MESSAGE_MAIL_INTERVAL
        if _move_due(row_id, seen, later):
            _schedule(user_id, conversation_id, later)
        db.session.commit()
        return False
    claimed = db.session.execute(
        sa.update(MessageMail)
        .where(
            MessageMail.id == row_id, MessageMail.due_at == seen,
            sa.or_(MessageMail.sent_at.is_(None), MessageMail.sent_at <= now - MESSAGE_MAIL_INTERVAL),
        )
        .values(due_at=None, sent_at=now, last_message_id=conversation.last_message_id)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        db.session.rollback()
        return False
    author = db.session.get(User, conversation.last_sender_id)
    assert author is not None
    count = conversation.unread_for(user_id)
    subject = (f"{author.username} sent you a message" if count == 1
               else f"{count} unread messages from {author.username}")
    mail_notice(user, "message", "notice_message", subject, actor=author, count=count,
                preview=conversation.last_preview,
                url=f"{current_app.config['APP_BASE_URL']}/messages/{author.username}")
    db.session.commit()
    return True


def send_due_message_mails(limit: int = 500) -> int:
    """The tick's pass: every conversation whose mail is due. Returns how many mails this
    caller queued."""
    due = db.session.execute(
        sa.select(MessageMail.user_id, MessageMail.conversation_id)
        .where(MessageMail.due_at <= utcnow()).order_by(MessageMail.due_at).limit(limit)
    ).all()
    db.session.rollback()
    sent = 0
    for user_id, conversation_id in due:
        try:
            sent += mail_conversation(user_id, conversation_id)
        except Exception:
            db.session.rollback()
            log.exception("message mail of conversation %s failed; the next tick tries again",
                          conversation_id)
    return sent

"""The inbox costs the same number of SQL statements whatever the history size, and the
message rate limit answers 429."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.messaging.models import Conversation, Message
from tests.factories import password_hash
from tests.following.players import user_id
from tests.support import post


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def give_history(owner: str, conversations: int, per_conversation: int) -> None:
    """``conversations`` partners, each with ``per_conversation`` messages, inserted in bulk."""
    me = user_id(owner)
    hashed = password_hash()
    db.session.execute(sa.insert(User), [
        {"username": f"{owner}p{i}", "email": f"{owner}p{i}@example.com", "password_hash": hashed,
         "session_token": f"{owner}{i:028x}"[-32:]}
        for i in range(conversations)
    ])
    partners = db.session.scalars(sa.select(User.id).where(User.username.like(f"{owner}p%"))).all()
    start = utcnow() - timedelta(days=30)
    db.session.execute(sa.insert(Conversation), [
        {"low_id": min(me, other), "high_id": max(me, other), "created_at": start,
         "last_preview": "", "low_unread": 0, "high_unread": 0}
        for other in partners
    ])
    conversations_by_id = db.session.execute(
        sa.select(Conversation.id, Conversation.low_id, Conversation.high_id)
        .where(sa.or_(Conversation.low_id == me, Conversation.high_id == me))
    ).all()
    rows = []
    for n, (conversation_id, low, high) in enumerate(conversations_by_id):
        other = high if low == me else low
        for k in range(per_conversation):
            rows.append({"conversation_id": conversation_id, "sender_id": other if k % 2 == 0 else me,
                         "body": f"hello {k}", "created_at": start + timedelta(minutes=n * 100 + k)})
    db.session.execute(sa.insert(Message), rows)
    for conversation_id, low, high in conversations_by_id:
        other = high if low == me else low
        last = db.session.execute(
            sa.select(Message.id, Message.sender_id, Message.body, Message.created_at)
            .where(Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(1)
        ).one()
        unread = {"low_unread": 2, "high_unread": 0} if other == low else {"low_unread": 0, "high_unread": 2}
        db.session.execute(sa.update(Conversation).where(Conversation.id == conversation_id).values(
            last_message_id=last.id, last_sender_id=last.sender_id, last_preview=last.body,
            last_at=last.created_at, **unread,
        ))
    db.session.commit()


def inbox_statements(client) -> int:
    client.get("/messages")  # warm: the first request may load things once per process
    with counted_statements() as statements:
        response = client.get("/messages")
        assert response.status_code == 200
    return len(statements)


def test_inbox_statement_count_is_the_same_for_5_and_500_conversations(make_user, as_user):
    make_user("small"), make_user("large")
    give_history("small", 5, 3)
    give_history("large", 500, 20)
    small, large = as_user("small"), as_user("large")
    few = inbox_statements(small)
    many = inbox_statements(large)
    assert few == many
    # The session, the player, the navigation (badges, name, home zip: one statement), the inbox
    # with the partners' display names, and the New message box's suggestions (whom I follow): 5
    # with sessions in the database (tests/home/test_page_statements.py holds the exact count).
    assert few <= 5
    page = large.get("/messages").get_data(as_text=True)
    assert page.count('class="conversation-row') == 20 and "Older →" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 5 * 3 + 500 * 20


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_MESSAGE": "3 per minute"}


def test_sending_is_rate_limited_per_player(make_user, as_user):
    make_user("ann"), make_user("bob"), make_user("cat")
    ann = as_user("ann")
    for i in range(3):
        assert post(ann, "/messages/bob", {"body": f"hi {i}"}, token_from="/messages/bob").status_code == 303
    limited = post(ann, "/messages/bob", {"body": "one more"}, token_from="/messages/bob")
    assert limited.status_code == 429 and "too many tries" in limited.get_data(as_text=True)
    assert ann.get("/messages/bob").status_code == 200
    cat = as_user("cat")
    assert post(cat, "/messages/bob", {"body": "hi"}, token_from="/messages/bob").status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 4

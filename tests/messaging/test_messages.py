"""Sending and reading messages: conversations made on the first message, bounds on the body,
who can be messaged, escaping, paging boundaries, unread counts and the nav badge."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.messaging import services
from app.messaging.models import Conversation, Message
from tests import factories
from tests.factories import make_member
from tests.following.players import count, user_id
from tests.support import csrf, post


def send(client, to: str, body: str):
    return post(client, f"/messages/{to}", {"body": body}, token_from=f"/messages/{to}")


def conversation_of(one: str, other: str) -> Conversation | None:
    db.session.expire_all()
    low, high = sorted((user_id(one), user_id(other)))
    return db.session.scalar(
        sa.select(Conversation).where(Conversation.low_id == low, Conversation.high_id == high)
    )


def test_the_first_message_makes_the_conversation(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    empty = ann.get("/messages/bob")
    assert empty.status_code == 200
    assert "No messages between ann and bob yet" in empty.get_data(as_text=True)
    assert count(Conversation) == 0

    sent = send(ann, "bob", "  Nine holes on Saturday?  ")
    assert sent.status_code == 303 and sent.headers["Location"] == "/messages/bob"
    conversation = conversation_of("ann", "bob")
    assert conversation is not None
    assert conversation.last_preview == "Nine holes on Saturday?"
    assert conversation.last_sender_id == user_id("ann")
    assert conversation.unread_for(user_id("bob")) == 1 and conversation.unread_for(user_id("ann")) == 0
    assert send(ann, "bob", "Or 18?").status_code == 303
    assert count(Conversation) == 1 and count(Message) == 2
    page = ann.get("/messages/bob").get_data(as_text=True)
    # Like a chat: the newest at the bottom, above the compose box.
    assert page.index("Nine holes on Saturday?") < page.index("Or 18?") < page.index('name="body"')


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 2001])
def test_bad_bodies_are_422(make_user, as_user, body):
    make_user("ann"), make_user("bob")
    response = send(as_user("ann"), "bob", body)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Write something first." in text or "A message is 1 to 2000 characters." in text
    assert count(Message) == 0 and count(Conversation) == 0


def test_a_2000_character_body_is_accepted(make_user, as_user):
    make_user("ann"), make_user("bob")
    assert send(as_user("ann"), "bob", "é" * 2000).status_code == 303
    assert db.session.scalar(sa.select(sa.func.length(Message.body))) == 2000


def test_messaging_yourself_deactivated_or_unknown_players_is_refused(make_user, as_user):
    make_user("ann"), make_user("gone", active=False)
    ann = as_user("ann")
    own = send(ann, "ann", "hello me")
    assert own.status_code == 422 and "You can&#39;t send messages to yourself." in own.get_data(as_text=True)
    token = csrf(ann, "/messages")
    for path in ("/messages/gone", "/messages/nobody"):
        assert ann.post(path, data={"body": "hi", "csrf_token": token}).status_code == 404
        assert ann.get(path).status_code == 404
    assert count(Message) == 0


def test_sending_needs_csrf_and_login(make_user, as_user, client):
    make_user("ann"), make_user("bob")
    assert as_user("ann").post("/messages/bob", data={"body": "hi"}).status_code == 400
    anonymous = post(client, "/messages/bob", {"body": "hi"})
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    assert client.get("/messages").status_code == 302
    assert count(Message) == 0


def test_bodies_are_escaped_everywhere(make_user, as_user):
    make_user("ann"), make_user("bob")
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert send(as_user("ann"), "bob", payload).status_code == 303
    bob = as_user("bob")
    for page in (bob.get("/messages"), bob.get("/messages/ann")):
        text = page.get_data(as_text=True)
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(" in text


def add_messages(one: str, other: str, n: int) -> list[int]:
    """``n`` messages from ``one`` to ``other`` through the service, oldest first."""
    sender = db.session.get(User, user_id(one))
    recipient = db.session.get(User, user_id(other))
    ids = []
    with db.session.no_autoflush:
        for i in range(n):
            ids.append(services.send_message(sender, recipient, f"message number {i + 1:03d}.").id)
    db.session.commit()
    return ids


def shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"message number (\d+)\.", html)]


def test_conversation_pages_newest_last_with_before(make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("ann", "bob", 45)
    bob = as_user("bob")
    first = bob.get("/messages/ann").get_data(as_text=True)
    assert shown(first) == list(range(26, 46))
    older = re.search(r'href="/messages/ann\?before=(\d+)"', first)
    assert older and int(older.group(1)) == ids[25]
    second = bob.get(f"/messages/ann?before={ids[25]}").get_data(as_text=True)
    assert shown(second) == list(range(6, 26))
    third = bob.get(f"/messages/ann?before={ids[5]}").get_data(as_text=True)
    assert shown(third) == [1, 2, 3, 4, 5] and "?before=" not in third
    beyond = bob.get(f"/messages/ann?before={ids[0]}").get_data(as_text=True)
    assert shown(beyond) == [] and "No older messages." in beyond


@pytest.mark.parametrize(("total", "has_older"), [(20, False), (21, True)])
def test_the_page_boundary(make_user, as_user, total, has_older):
    make_user("ann"), make_user("bob")
    ids = add_messages("ann", "bob", total)
    page = as_user("bob").get("/messages/ann").get_data(as_text=True)
    assert len(shown(page)) == 20
    assert ("?before=" in page) is has_older
    if has_older:
        assert shown(as_user("bob").get(f"/messages/ann?before={ids[1]}").get_data(as_text=True)) == [1]


@pytest.mark.parametrize("before", ["abc", "0", "-3", "1e9"])
def test_a_bad_before_is_422(make_user, as_user, before):
    make_user("ann"), make_user("bob")
    assert as_user("ann").get(f"/messages/bob?before={before}").status_code == 422


def test_inbox_rows_unread_counts_and_reading(make_user, as_user):
    for name in ("ann", "bob", "cat", "dan"):
        make_user(name)
    add_messages("bob", "ann", 3)
    add_messages("cat", "ann", 1)
    add_messages("ann", "dan", 2)
    ann = as_user("ann")
    inbox = ann.get("/messages").get_data(as_text=True)
    assert inbox.index("@dan") < inbox.index("@cat") < inbox.index("@bob")
    assert re.search(r"@bob</span>\s*<span class=\"badge\" aria-label=\"unread\">3</span>", inbox)
    assert re.search(r"@dan</span>\s*<span class=\"muted\">", inbox)
    assert "<span class=\"muted\">You:</span> message number 002." in inbox
    assert re.search(r"Messages <span class=\"badge\" aria-label=\"unread\">4</span>", inbox)

    ann.get("/messages/bob")
    assert conversation_of("ann", "bob").unread_for(user_id("ann")) == 0
    assert conversation_of("ann", "bob").unread_for(user_id("bob")) == 0
    after = ann.get("/messages").get_data(as_text=True)
    assert re.search(r"Messages <span class=\"badge\" aria-label=\"unread\">1</span>", after)
    assert not re.search(r"@bob</span>\s*<span class=\"badge\"", after)
    add_messages("bob", "ann", 1)
    again = ann.get("/messages").get_data(as_text=True)
    assert again.index("@bob") < again.index("@dan")
    assert re.search(r"@bob</span>\s*<span class=\"badge\" aria-label=\"unread\">1</span>", again)


def test_deactivated_partners_leave_the_inbox(make_user, as_user):
    make_user("ann"), make_user("bob")
    add_messages("bob", "ann", 1)
    db.session.get(User, user_id("bob")).deactivated_at = utcnow()
    db.session.commit()
    assert "@bob" not in as_user("ann").get("/messages").get_data(as_text=True)


def test_profile_links_to_the_conversation(make_user, as_user, client):
    make_user("ann"), make_user("bob")
    assert 'href="/messages/bob"' in as_user("ann").get("/u/bob").get_data(as_text=True)
    assert 'href="/messages/bob"' not in client.get("/u/bob").get_data(as_text=True)


def test_the_inbox_names_each_partner_by_display_name_or_username(as_user):
    make_member("ann"), make_member("bob", display_name="Bobby Jones"), make_member("cat", display_name="")
    factories.make_user("dan")  # no profile at all
    for sender in ("bob", "cat", "dan"):
        assert send(as_user(sender), "ann", f"hello from {sender}").status_code == 303
    page = as_user("ann").get("/messages").get_data(as_text=True)
    assert "<strong>Bobby Jones</strong></a> <span class=\"handle\">@bob</span>" in page
    assert "<strong>cat</strong></a> <span class=\"handle\">@cat</span>" in page
    assert "<strong>dan</strong></a> <span class=\"handle\">@dan</span>" in page
    # the timeline's unread card reads the same merged statement
    unread = services.unread_conversations(db.session.get(User, user_id("ann")))
    assert [(row.other.username, row.other.name, row.unread) for row in unread] == [
        ("dan", "dan", 1), ("cat", "cat", 1), ("bob", "Bobby Jones", 1)]

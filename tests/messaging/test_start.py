"""Starting a conversation from the inbox: the "New message" box (``GET /messages?to=``) leads
to ``/messages/<username>`` (303), suggests the players I follow (a datalist), and comes back
with the reason when it can't: 422 for a malformed name or myself, 404 for no such player,
403 across a block (as messaging them is)."""

from __future__ import annotations

import re

import pytest

from app.clock import utcnow
from app.extensions import db
from app.following import services as following
from app.identity.models import User
from app.safety import services as safety
from tests.following.players import user_id


def person(username: str) -> User:
    found = db.session.get(User, user_id(username))
    assert found is not None
    return found


def error_of(html: str) -> str:
    match = re.search(r'<div id="to-error"><p class="error">([^<]*)</p></div>', html)
    assert match, html
    return match.group(1)


def test_the_box_leads_to_the_conversation(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    inbox = ann.get("/messages").get_data(as_text=True)
    assert '<form class="card new-message" method="get" action="/messages"' in inbox
    assert re.search(r'<input[^>]*id="to"[^>]*list="following-names"[^>]*name="to"', inbox)
    for typed in ("bob", " Bob ", "@bob", "BOB"):
        answer = ann.get("/messages", query_string={"to": typed})
        assert answer.status_code == 303 and answer.headers["Location"] == "/messages/bob", typed
    assert ann.get("/messages/bob").status_code == 200


def test_people_i_follow_are_suggested(make_user, as_user):
    for name in ("ann", "bob", "cat", "dan", "eve"):
        make_user(name)
    for name in ("dan", "bob", "eve"):
        following.follow(person("ann"), person(name))
    safety.block(person("eve"), person("ann"))  # ends the follow, and hides eve anyway
    db.session.commit()
    inbox = as_user("ann").get("/messages").get_data(as_text=True)
    datalist = re.search(r'<datalist id="following-names">(.*?)</datalist>', inbox, re.S)
    assert datalist
    assert re.findall(r'<option value="([^"]+)">', datalist.group(1)) == ["bob", "dan"]


@pytest.mark.parametrize(("typed", "status", "message"), [
    ("", 422, "Type the username of the player to write to."),
    ("  ", 422, "Type the username of the player to write to."),
    ("ab", 422, "A username is 3 to 30 characters."),
    ("x" * 31, 422, "A username is 3 to 30 characters."),
    ("bob smith", 422, "A username has only letters, digits and underscores."),
    ("<b>bo</b>", 422, "A username has only letters, digits and underscores."),
    ("zed", 404, "There's no player called zed on Fairway."),
    ("ann", 422, "You can't send messages to yourself."),
])
def test_what_the_box_refuses(make_user, as_user, typed, status, message):
    make_user("ann"), make_user("bob")
    answer = as_user("ann").get("/messages", query_string={"to": typed})
    assert answer.status_code == status
    html = answer.get_data(as_text=True)
    assert error_of(html).replace("&#39;", "'") == message
    assert 'aria-invalid="true"' in html and "<h1>Messages</h1>" in html
    assert "<b>bo</b>" not in html


def test_a_block_either_way_is_403_and_a_deactivated_player_404(make_user, as_user):
    for name in ("ann", "bob", "cat", "gone"):
        make_user(name)
    safety.block(person("bob"), person("ann"))
    safety.block(person("ann"), person("cat"))
    person("gone").deactivated_at = utcnow()
    db.session.commit()
    ann = as_user("ann")
    for name in ("bob", "cat"):
        answer = ann.get("/messages", query_string={"to": name})
        assert answer.status_code == 403
        assert error_of(answer.get_data(as_text=True)) == f"You can&#39;t message {name}."
    assert ann.get("/messages", query_string={"to": "gone"}).status_code == 404


def test_needs_sign_in(client):
    answer = client.get("/messages?to=bob")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]

"""Live conversation: while ``/messages/<username>`` is open, htmx polls
``GET /messages/<username>/since?after=<id>`` every ``MESSAGES_POLL_SECONDS``. It answers the new
messages as bubbles to append (from the page's own partial), with the poll again out of band at
the new ``after``, and marks them read like the page does; 204 when nothing is new, in one
statement (the same cost as the live badges' poll)."""

from __future__ import annotations

import re

import pytest

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.messaging import services
from app.safety import services as safety
from tests.following.players import user_id
from tests.messaging.test_messages import add_messages, conversation_of, shown
from tests.notifications.test_live_badges import statements_of


def poller(html: str) -> re.Match[str]:
    match = re.search(r'<div id="live" hidden hx-get="([^"]+)" hx-trigger="every (\d+)s" '
                      r'hx-target="#newest" hx-swap="beforeend"[^>]*>', html)
    assert match, html
    return match


def test_the_page_polls_after_its_newest_message(app, make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("bob", "ann", 3)
    ann = as_user("ann")
    page = ann.get("/messages/bob").get_data(as_text=True)
    live = poller(page)
    assert live.group(1) == f"/messages/bob/since?after={ids[-1]}" and live.group(2) == "10"
    assert '<ol class="messages" id="newest" aria-live="polite">' in page
    app.config["MESSAGES_POLL_SECONDS"] = 2
    assert poller(ann.get("/messages/bob").get_data(as_text=True)).group(2) == "2"
    # An older page is not live.
    assert 'id="live"' not in ann.get(f"/messages/bob?before={ids[-1]}").get_data(as_text=True)
    # An empty conversation polls from the start.
    make_user("cat")
    empty = ann.get("/messages/cat").get_data(as_text=True)
    assert poller(empty).group(1) == "/messages/cat/since" and 'id="no-messages"' in empty


def test_nothing_new_is_a_204_in_one_statement(make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("bob", "ann", 2)
    ann = as_user("ann")
    ann.get("/messages/bob")
    ann.get("/api/badges")
    answer, seen = statements_of(lambda: ann.get(f"/messages/bob/since?after={ids[-1]}"))
    assert answer.status_code == 204 and answer.get_data() == b""
    assert answer.headers["Cache-Control"] == "no-store"
    # The same cost as the badges' poll: signing in, then one statement of its own.
    _, badges = statements_of(lambda: ann.get("/api/badges"))
    assert len(seen) == len(badges), (seen, badges)
    assert len([s for s in seen if "messages" in s]) == 1


def test_new_messages_come_as_bubbles_and_are_read(make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("bob", "ann", 2)
    ann = as_user("ann")
    ann.get("/messages/bob")
    more = add_messages("bob", "ann", 3)
    assert conversation_of("ann", "bob").unread_for(user_id("ann")) == 3
    answer = ann.get(f"/messages/bob/since?after={ids[-1]}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<html" not in html and "<ol" not in html
    assert shown(html) == [1, 2, 3] and html.count('<li class="message theirs"') == 3
    assert f'id="m{more[0]}"' in html and "Report" in html
    live = poller(html)
    assert live.group(1) == f"/messages/bob/since?after={more[-1]}" and 'hx-swap-oob="true"' in live.group(0)
    assert "no-messages" not in html
    db.session.expire_all()
    assert conversation_of("ann", "bob").unread_for(user_id("ann")) == 0
    # The bubble is the page's own markup.
    page = ann.get("/messages/bob").get_data(as_text=True)
    first = re.search(rf'<li class="message theirs" id="m{more[0]}">.*?</li>', html, re.S)
    assert first and first.group(0) in page
    assert ann.get(f"/messages/bob/since?after={more[-1]}").status_code == 204


def test_my_own_messages_from_elsewhere_show_as_mine_and_read_nothing(make_user, as_user):
    make_user("ann"), make_user("bob")
    add_messages("bob", "ann", 1)
    sent = add_messages("ann", "bob", 1)
    ann = as_user("ann")
    assert conversation_of("ann", "bob").unread_for(user_id("ann")) == 1
    html = ann.get(f"/messages/bob/since?after={sent[0] - 1}").get_data(as_text=True)
    assert '<li class="message mine"' in html and "Report" not in html
    db.session.expire_all()
    assert conversation_of("ann", "bob").unread_for(user_id("ann")) == 1


def test_the_first_messages_replace_the_say_hello_line(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    assert ann.get("/messages/bob/since").status_code == 204
    add_messages("bob", "ann", 1)
    html = ann.get("/messages/bob/since").get_data(as_text=True)
    assert shown(html) == [1] and '<p id="no-messages" hx-swap-oob="delete"></p>' in html


def test_a_poll_returns_at_most_a_page_oldest_first(make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("bob", "ann", services.PER_PAGE + 5)
    html = as_user("ann").get("/messages/bob/since").get_data(as_text=True)
    assert shown(html) == list(range(1, services.PER_PAGE + 1))
    assert poller(html).group(1) == f"/messages/bob/since?after={ids[services.PER_PAGE - 1]}"


@pytest.mark.parametrize(("after", "status"), [("x", 422), ("0", 422), ("-1", 422), ("1.5", 422),
                                               ("99999999999999", 404)])
def test_a_bad_after_is_refused(make_user, as_user, after, status):
    make_user("ann"), make_user("bob")
    assert as_user("ann").get(f"/messages/bob/since?after={after}").status_code == status


def test_who_may_poll(make_user, as_user, client):
    make_user("ann"), make_user("bob"), make_user("gone")
    ann = as_user("ann")
    assert ann.get("/messages/nobody/since").status_code == 404
    assert ann.get("/messages/ann/since").status_code == 422
    gone = db.session.get(User, user_id("gone"))
    gone.deactivated_at = utcnow()
    db.session.commit()
    assert ann.get("/messages/gone/since").status_code == 404
    anonymous = client.get("/messages/bob/since")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    add_messages("bob", "ann", 1)
    safety.block(db.session.get(User, user_id("bob")), db.session.get(User, user_id("ann")))
    db.session.commit()
    blocked = ann.get("/messages/bob/since")
    assert blocked.status_code == 403 and "message number" not in blocked.get_data(as_text=True)

"""Messages in place (htmx): a send with ``HX-Request: true`` answers 200 with the thread (the
newest messages and an empty compose box), a bad one 422 with the thread and its error;
"Older messages" answers the page before, to replace its link. Without the header: 303 and
full pages as before."""

from __future__ import annotations

import re

from tests.messaging.test_messages import add_messages, shown
from tests.support import csrf

HTMX = {"HX-Request": "true"}


def send(client, to: str, body: str, headers: dict | None = None):
    token = csrf(client, f"/messages/{to}")
    return client.post(f"/messages/{to}", data={"body": body, "csrf_token": token}, headers=headers or {})


def test_send_in_place_answers_the_thread_with_an_empty_box(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    assert send(ann, "bob", "Nine holes?").status_code == 303
    response = send(ann, "bob", "Or 18?", HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.strip().startswith('<div class="thread" id="thread">') and "<html" not in html
    assert html.index("Nine holes?") < html.index("Or 18?") < html.index('name="body"')
    assert 'class="message mine"' in html and 'hx-target="#thread"' in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert textarea and textarea.group(1).strip() == ""
    # Bob sees them as theirs, in the same thread the full page draws.
    page = as_user("bob").get("/messages/ann").get_data(as_text=True)
    assert page.count('class="message theirs"') == 2 and '<div class="thread" id="thread">' in page


def test_a_bad_send_in_place_is_a_422_thread_with_the_error(make_user, as_user):
    make_user("ann"), make_user("bob")
    response = send(as_user("ann"), "bob", "   ", HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div class="thread" id="thread">' in html and 'aria-invalid="true"' in html
    assert "<html" not in html


def test_older_messages_in_place_answers_the_page_before(make_user, as_user):
    make_user("ann"), make_user("bob")
    ids = add_messages("ann", "bob", 45)
    bob = as_user("bob")
    page = bob.get("/messages/ann").get_data(as_text=True)
    assert f'hx-get="/messages/ann?before={ids[25]}" hx-target="#older"' in page
    older = bob.get(f"/messages/ann?before={ids[25]}", headers=HTMX)
    assert older.status_code == 200
    html = older.get_data(as_text=True)
    assert html.strip().startswith('<div class="older" id="older">') and "<html" not in html
    assert "compose" not in html and shown(html) == list(range(6, 26))
    assert f'hx-get="/messages/ann?before={ids[5]}"' in html
    plain = bob.get(f"/messages/ann?before={ids[25]}").get_data(as_text=True)
    assert "<html" in plain and shown(plain) == list(range(6, 26))

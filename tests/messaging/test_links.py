"""Links in messages are clickable and safe: web and mail addresses become links with
``rel="nofollow noopener ugc"``; everything else stays escaped text; no javascript: link."""

from __future__ import annotations

import pytest

from app.core.text import linkify
from tests.messaging.test_in_place import send


@pytest.mark.parametrize(("text", "expected"), [
    ("see https://example.com/tee?x=1&y=2 ok",
     'see <a href="https://example.com/tee?x=1&amp;y=2" rel="nofollow noopener ugc">'
     "https://example.com/tee?x=1&amp;y=2</a> ok"),
    ("www.golfclub.com",
     '<a href="http://www.golfclub.com" rel="nofollow noopener ugc">www.golfclub.com</a>'),
    ("mail me: ann@example.com", 'mail me: <a href="mailto:ann@example.com" rel="nofollow noopener ugc">'
                                  "ann@example.com</a>"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    # A quote ends the link; the markup around it stays text.
    ('"><img src=x> https://e.example/"x', '&#34;&gt;&lt;img src=x&gt; <a href="https://e.example/" '
                                          'rel="nofollow noopener ugc">https://e.example/</a>&#34;x'),
    ("no links here", "no links here"),
])
def test_linkify(text, expected):
    assert str(linkify(text)) == expected


def test_a_conversation_shows_links(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    send(ann, "bob", "Tee sheet: https://golf.example/sheet <b>bold</b>")
    page = as_user("bob").get("/messages/ann").get_data(as_text=True)
    link = '<a href="https://golf.example/sheet" rel="nofollow noopener ugc">https://golf.example/sheet</a>'
    assert link in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page

"""Anonymous visitors: the landing page (who invited them, when they came through a referral
link), the help page with its illustrations, and who owns ``/``."""

from __future__ import annotations

import re

from flask import url_for

from app.extensions import db
from app.referrals import services as referrals
from tests.home.conftest import user


def test_the_landing_page_calls_visitors_to_join(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Join Fairway" in page and 'href="/register"' in page and 'href="/login"' in page
    assert 'href="/help"' in page
    assert "invited you" not in page and 'class="timeline"' not in page


def test_a_referred_visitor_sees_who_invited_them(client, player):
    player("ann", display_name="Ann <Lee>")
    code = referrals.current_code(user("ann"))
    db.session.commit()
    assert client.get(f"/r/{code}").status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "<strong>Ann &lt;Lee&gt;</strong> (@ann) invited you to Fairway." in page
    assert "Join Ann &lt;Lee&gt; on Fairway" in page


def test_an_unknown_referral_code_names_nobody(client, player):
    player("ann")
    client.get("/r/ABCDEFGH")
    assert "invited you" not in client.get("/").get_data(as_text=True)


def test_help_shows_the_core_flows_with_inline_illustrations(client):
    response = client.get("/help")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]
    for heading in ("Find a partner", "Set your availability", "Share your link"):
        assert heading in main
    svgs = re.findall(r"<svg .*?</svg>", main, re.S)
    assert len(svgs) == 3 and all("<title" in svg for svg in svgs)
    assert "<img" not in main and "http" not in "".join(svgs)


def test_the_home_area_owns_the_front_page(app):
    adapter = app.url_map.bind("fairway.test")
    assert adapter.match("/")[0] == "home.index"
    assert "core.home" not in app.view_functions
    with app.test_request_context():
        assert url_for("core.home") == "/" == url_for("home.index")


def test_help_is_linked_in_the_navigation(client, player, as_user):
    player("ann")
    assert 'href="/help"' in as_user("ann").get("/settings").get_data(as_text=True)

"""The navigation: at most six primary links, the rest in the account menu, which greets the
player by display name with the @username as the handle beside it."""

from __future__ import annotations

import re

from app.core.nav import PRIMARY_MOST
from tests.factories import make_member
from tests.support import login


def primary_and_account(html: str) -> tuple[list[str], list[str]]:
    bar = html[html.index('<div class="nav-links">'):html.index('<details class="account">')]
    menu = html[html.index('<div class="account-links">'):html.index("</details>")]
    link = re.compile(r"<a href=\"[^\"]+\"[^>]*>([^<]+)")
    return link.findall(bar), link.findall(menu)


def test_six_primary_links_at_most_and_the_rest_in_the_account_menu(app, client):
    make_member("root", admin=True, zip="94103", display_name="Rita Root")
    assert login(client, "root").status_code == 303
    primary, account = primary_and_account(client.get("/players").get_data(as_text=True))
    assert 0 < len(primary) <= PRIMARY_MOST
    assert {"Players", "Messages", "Notifications"} <= set(primary)
    assert {"My profile", "Availability", "Referrals", "Help", "Admin", "Settings"} <= set(account)
    assert not set(primary) & set(account)


def test_the_greeting_uses_the_display_name_with_the_handle(app, client):
    make_member("ann", zip="94103", display_name="Ann Birdie")
    assert login(client, "ann").status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert 'Hi, Ann Birdie <span class="handle">@ann</span>' in page
    assert '<span class="account-name">Ann Birdie</span> <span class="handle">@ann</span>' in page
    assert "Hi, ann" not in page


def test_a_player_without_a_display_name_is_greeted_by_username(app, client):
    make_member("bo", zip="94103", display_name="")
    assert login(client, "bo").status_code == 303
    assert 'Hi, bo <span class="handle">@bo</span>' in client.get("/").get_data(as_text=True)


def test_lists_show_display_names_with_the_handle(app, client):
    from tests.support import post

    make_member("ann", zip="94103", display_name="Ann Birdie")
    make_member("bob", zip="94103", display_name="Bob B")
    make_member("cy", zip="94103", display_name="")
    assert login(client, "ann").status_code == 303
    for name in ("bob", "cy"):
        assert post(client, f"/u/{name}/follow", token_from=f"/u/{name}").status_code == 303
        sent = post(client, f"/messages/{name}", {"body": "Hi"}, token_from=f"/messages/{name}")
        assert sent.status_code == 303
    following = client.get("/u/ann/following").get_data(as_text=True)
    assert '<strong>Bob B</strong></a> <span class="handle">@bob</span>' in following
    assert '<strong>cy</strong></a> <span class="handle">@cy</span>' in following
    inbox = client.get("/messages").get_data(as_text=True)
    assert '<strong>Bob B</strong></a> <span class="handle">@bob</span>' in inbox
    assert '<strong>cy</strong></a> <span class="handle">@cy</span>' in inbox


def test_the_profile_message_button_uses_the_display_name(app, client):
    make_member("ann", zip="94103", display_name="Ann Birdie")
    make_member("bob", zip="94103", display_name="Bob B")
    assert login(client, "ann").status_code == 303
    page = client.get("/u/bob").get_data(as_text=True)
    assert "Message Bob B</a>" in page and "Message bob<" not in page

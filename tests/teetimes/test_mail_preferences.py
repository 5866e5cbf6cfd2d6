"""Notification mail preferences (/settings/notifications) and one-click unsubscribe (RFC 8058):
every tee-time mail carries List-Unsubscribe and List-Unsubscribe-Post, a POST to that address
with no session and no CSRF token turns tee-time mail off, and no more is sent."""

from __future__ import annotations

import re

import pytest

from app.identity.models import User
from app.notifications import preferences
from tests.support import csrf
from tests.teetimes.conftest import action


def modes_of(username: str) -> dict[str, str]:
    from app.extensions import db

    db.session.expire_all()
    user = db.session.scalar(db.select(User).where(User.username == username))
    return preferences.mail_modes(user)


def test_preferences_default_and_save(player, as_user, client):
    player("ann")
    assert client.get("/settings/notifications").status_code == 302
    ann = as_user("ann")
    page = ann.get("/settings/notifications").get_data(as_text=True)
    assert re.search(r'name="message">\s*<option value="instant" selected', page)
    assert re.search(r'<option value="daily" selected>', page)
    assert modes_of("ann") == {"message": "instant", "follow": "daily", "fistbump": "daily",
                               "teetime": "daily", "referral": "daily"}
    token = csrf(ann, "/settings/notifications")
    saved = ann.post("/settings/notifications",
                     data={"csrf_token": token, "follow": "off", "teetime": "instant"})
    assert saved.status_code == 303
    assert modes_of("ann")["follow"] == "off" and modes_of("ann")["teetime"] == "instant"


@pytest.mark.parametrize("form", [{"pigeons": "off"}, {"message": "weekly"}, {"message": "off", "x": "off"}])
def test_unknown_kinds_or_values_are_422_and_change_nothing(player, as_user, form):
    player("ann")
    ann = as_user("ann")
    response = ann.post("/settings/notifications",
                        data={"csrf_token": csrf(ann, "/settings/notifications"), **form})
    assert response.status_code == 422
    assert modes_of("ann")["message"] == "instant"


def test_tee_time_mail_carries_rfc8058_headers_and_one_click_turns_it_off(player, as_user, round_of, client,
                                                                          mailbox, drain):
    first, second = round_of(player("ann")), round_of(player("ann2"), course="Lincoln Park")
    player("bob")
    bob = as_user("bob")
    for tee_time in (first, second):
        assert action(bob, f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("ann"), f"/t/{first.code}/cancel").status_code == 303
    drain()
    (mail,) = mailbox.to("bob@example.com")
    link = mail.headers["List-Unsubscribe"]
    assert re.fullmatch(r"<http://fairway\.test/unsubscribe/[\w.-]+>", link), link
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link[1:-1].removeprefix("http://fairway.test")
    assert path in mail.body
    # The GET says what it turns off and changes nothing; the one-click POST needs no session.
    shown = client.get(path).get_data(as_text=True)
    assert "Tee times" in shown and 'href="/settings/notifications"' in shown
    assert modes_of("bob")["teetime"] == "daily"
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "unsubscribed" in done.get_data(as_text=True)
    assert modes_of("bob")["teetime"] == "off"
    mailbox.clear()
    assert action(as_user("ann2"), f"/t/{second.code}/cancel").status_code == 303
    drain()
    assert mailbox.to("bob@example.com") == []


@pytest.mark.parametrize("token", ["nonsense", "WzEsInRlZXRpbWUiXQ.forged", "x" * 400])
def test_a_forged_token_is_400(client, player, token):
    player("ann")
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{token}")
        assert response.status_code == 400 and "isn't valid" in response.get_data(as_text=True)


def test_a_token_signed_for_another_kind_turns_only_that_off(app, player, client):
    ann = player("ann")
    with app.test_request_context():
        url = preferences.unsubscribe_url(ann, "follow")
    assert client.post(url.removeprefix("http://fairway.test")).status_code == 200
    assert modes_of("ann") == {"message": "instant", "follow": "off", "fistbump": "daily",
                               "teetime": "daily", "referral": "daily"}

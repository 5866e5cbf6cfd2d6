"""Asking first: hard-to-undo buttons carry ``data-confirm`` (the dialog) and, for browsers
without JavaScript, a link to ``GET /confirm?do=<path>``, which asks with its own words and
holds the same POST button. It offers only the actions it knows: anything else is a 404."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.extensions import db
from app.identity.models import User
from tests.security.test_headers import world
from tests.support import csrf, login


def confirm_page(client, path: str):
    return client.get(f"/confirm?do={quote(path)}")


def test_the_round_page_asks_before_cancel_and_remove_and_the_confirm_page_works(app, client):
    values = world(app)
    code = values["t_code"]
    assert login(client, "bob").status_code == 303
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert 'data-confirm="Cancel this round? Everyone who joined is told."' in page
    assert f'href="/confirm?do=/t/{code}/cancel"' in page

    asked = confirm_page(client, f"/t/{code}/cancel")
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Cancel this round? Everyone who joined is told." in html
    assert re.search(rf'<form class="inline" method="post" action="/t/{code}/cancel">', html)
    assert "data-confirm" not in html.split("<main", 1)[1]
    token = csrf(client, f"/confirm?do=/t/{code}/cancel")
    done = client.post(f"/t/{code}/cancel", data={"csrf_token": token})
    assert done.status_code == 303


def test_removing_a_player_names_them(app, client):
    values = world(app)
    assert login(client, "bob").status_code == 303
    html = confirm_page(client, f"/t/{values['t_code']}/remove/ann").get_data(as_text=True)
    assert "Take ann off this round? They are told." in html


def test_admin_and_referral_buttons_ask_first(app, client):
    world(app)
    bob = db.session.query(User).filter_by(username="bob").one()
    assert login(client, "root").status_code == 303
    users = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/confirm?do=/admin/users/{bob.id}/deactivate"' in users
    assert f'href="/confirm?do=/admin/users/{bob.id}/reset-password"' in users
    assert "data-confirm=\"Deactivate this account?" in users
    asked = confirm_page(client, f"/admin/users/{bob.id}/deactivate")
    assert asked.status_code == 200 and "Deactivate this account?" in asked.get_data(as_text=True)
    referrals = client.get("/referrals").get_data(as_text=True)
    assert 'href="/confirm?do=/referrals/rotate"' in referrals and "data-confirm=" in referrals
    settings = client.get("/settings").get_data(as_text=True)
    assert 'data-confirm="Close your account?' in settings


@pytest.mark.parametrize("path", ["", "/settings/delete", "/logout", "//evil.example/x", "https://evil.example/",
                                  "/t/nope/cancel/extra", "/no/such/thing"])
def test_other_actions_are_not_offered(app, client, path):
    world(app)
    assert login(client, "bob").status_code == 303
    assert confirm_page(client, path).status_code == 404


def test_the_confirm_page_needs_a_sign_in(app, client):
    values = world(app)
    answer = confirm_page(client, f"/t/{values['t_code']}/cancel")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]

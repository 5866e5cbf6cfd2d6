"""Mute and unmute in place (htmx): with ``HX-Request: true`` they answer 200 with the profile's
safety panel redrawn from the same partial the profile includes; without the header 303 as
before (to the profile, or to ``?next=``)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.safety import services as safety
from tests.safety.conftest import user
from tests.support import post

HTMX = {"HX-Request": "true"}


def panel_of(html: str) -> str:
    match = re.search(r'<section class="card safety-panel" id="safety-panel">.*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def squeeze(html: str) -> str:
    html = re.sub(r'(name="csrf_token" value=)"[^"]*"', r"\1", html)
    return re.sub(r"\s+", " ", html)


def is_muted(muter: str, muted: str) -> bool:
    db.session.expire_all()
    return safety.profile_panel(user(muter), user(muted)).muted


def test_mute_and_unmute_in_place_answer_the_panel(player, as_user):
    player("ann"), player("bob")
    ann = as_user("ann")
    response = post(ann, "/u/bob/mute", token_from="/u/bob", headers=HTMX)
    assert response.status_code == 200 and is_muted("ann", "bob")
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<nav" not in html
    assert html.strip().startswith('<section class="card safety-panel" id="safety-panel">')
    assert "You muted bob. They won&#39;t know." in html
    assert 'hx-post="/u/bob/unmute"' in html and 'hx-target="#safety-panel"' in html
    # The same partial the full profile includes, not a copy.
    profile = ann.get("/u/bob").get_data(as_text=True)
    without_status = re.sub(r'<p class="status[^>]*>[^<]*</p>', "", panel_of(html))
    assert squeeze(panel_of(profile)) == squeeze(without_status)
    # No flash left behind for the next full page.
    assert "You muted bob." not in ann.get("/u/bob").get_data(as_text=True)

    unmuted = post(ann, "/u/bob/unmute", token_from="/u/bob", headers=HTMX)
    assert unmuted.status_code == 200 and not is_muted("ann", "bob")
    html = unmuted.get_data(as_text=True)
    assert "You unmuted bob." in html and 'hx-post="/u/bob/mute"' in html
    # Unmuting someone not muted changes nothing and says nothing.
    again = post(ann, "/u/bob/unmute", token_from="/u/bob", headers=HTMX)
    assert again.status_code == 200 and 'role="status"' not in again.get_data(as_text=True)


@pytest.mark.parametrize("action", ["mute", "unmute"])
def test_without_htmx_mute_and_unmute_still_redirect(player, as_user, action):
    player("ann"), player("bob")
    ann = as_user("ann")
    response = post(ann, f"/u/bob/{action}", token_from="/u/bob")
    assert response.status_code == 303 and response.headers["Location"] == "/u/bob"
    back = post(ann, f"/u/bob/{action}?next=/settings/blocked", token_from="/u/bob")
    assert back.status_code == 303 and back.headers["Location"] == "/settings/blocked"


def test_mute_in_place_keeps_its_refusals(player, as_user):
    player("ann"), player("bob")
    ann = as_user("ann")
    assert post(ann, "/u/ann/mute", token_from="/u/bob", headers=HTMX).status_code == 422
    assert post(ann, "/u/nobody/mute", token_from="/u/bob", headers=HTMX).status_code == 404
    safety.block(user("bob"), user("ann"))
    db.session.commit()
    assert post(ann, "/u/bob/mute", token_from="/settings", headers=HTMX).status_code == 404

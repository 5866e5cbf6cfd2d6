"""In place (htmx): follow, unfollow and fist bump sent with ``HX-Request: true`` answer 200 with
the profile's following panel redrawn; without the header they answer 303 to the full page."""

from __future__ import annotations

import re

import pytest

from tests.following.players import count, user_id
from tests.support import post

HTMX = {"HX-Request": "true"}


def panel_of(html: str) -> str:
    match = re.search(r'<section class="card following-panel" id="following-panel">.*?</section>', html, re.S)
    assert match, html
    return match.group(0)


def squeeze(html: str) -> str:
    """Whitespace folded and CSRF tokens blanked (a token carries the second it was made)."""
    html = re.sub(r'(name="csrf_token" value=)"[^"]*"', r"\1", html)
    return re.sub(r"\s+", " ", html)


def test_follow_in_place_answers_the_panel(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    response = post(ann, "/u/bob/follow", token_from="/u/bob", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<nav" not in html
    assert html.strip().startswith('<section class="card following-panel" id="following-panel">')
    assert "<strong>1</strong> follower" in html and "You follow bob now." in html
    assert 'hx-post="/u/bob/unfollow"' in html and 'hx-target="#following-panel"' in html
    # The fragment is the page's own panel, not a copy: the same markup the full profile shows.
    without_status = re.sub(r'<p class="status[^>]*>[^<]*</p>', "", panel_of(html))
    assert squeeze(panel_of(ann.get("/u/bob").get_data(as_text=True))) == squeeze(without_status)
    # No flash left behind for the next full page.
    assert "You follow bob now." not in ann.get("/u/bob").get_data(as_text=True)

    unfollowed = post(ann, "/u/bob/unfollow", token_from="/u/bob", headers=HTMX)
    assert unfollowed.status_code == 200
    assert "<strong>0</strong> followers" in unfollowed.get_data(as_text=True)
    assert 'hx-post="/u/bob/follow"' in unfollowed.get_data(as_text=True)


@pytest.mark.parametrize("action", ["follow", "unfollow", "fistbump"])
def test_without_htmx_every_action_still_redirects(make_user, as_user, action):
    make_user("ann"), make_user("bob")
    response = post(as_user("ann"), f"/u/bob/{action}", token_from="/u/bob")
    assert response.status_code == 303 and response.headers["Location"] == "/u/bob"


def test_fist_bump_in_place_and_its_refusal(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    response = post(ann, "/u/bob/fistbump", token_from="/u/bob", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>1</strong> fist bump" in html and "You fist bumped bob." in html
    assert re.search(r'<button class="small" type="submit" disabled', html)
    assert count_bumps() == 1
    again = post(ann, "/u/bob/fistbump", token_from="/u/bob", headers=HTMX)
    assert again.status_code == 429 and count_bumps() == 1


def count_bumps() -> int:
    from app.following.models import FistBump

    return count(FistBump, FistBump.bumper_id == user_id("ann"), FistBump.bumped_id == user_id("bob"))

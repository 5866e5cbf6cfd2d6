"""Onboarding: right after sign-up ``/`` shows skippable cards (name and bio, golf traits,
location, picture) made of the profile form itself; skipping and saving are remembered; each
card reopens from the profile page; suggested players appear once a location is known."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.test import EnvironBuilder

from app.clock import utcnow
from app.extensions import db
from app.home import services as home
from app.home.forms import posted_step_form
from app.home.models import STEPS, OnboardingStep
from app.profiles.forms import ProfileForm
from app.profiles.models import Profile
from tests.home.cards import cards
from tests.home.conftest import user
from tests.support import csrf, post, register


def profile_of(username: str) -> Profile:
    db.session.expire_all()
    found = db.session.get(Profile, user(username).id)
    assert found is not None
    return found


def outcomes(username: str) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(OnboardingStep.step, OnboardingStep.outcome)
        .where(OnboardingStep.user_id == user(username).id)
    )
    return {step: outcome for step, outcome in rows}


def shown_step(page: str) -> str | None:
    import re

    match = re.search(r'<section class="card onboarding" id="onboarding-(\w+)">', page)
    return match.group(1) if match else None


def test_sign_up_leads_to_the_first_card(client):
    assert register(client, "ann").headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hi, ann" in page
    assert shown_step(page) == "about"
    assert "Step 1 of 4" in page
    assert 'action="/welcome/about"' in page and 'action="/welcome/about/skip"' in page
    assert 'name="display_name"' in page and 'name="bio"' in page
    assert 'name="zip"' not in page and 'name="handicap"' not in page


def test_the_cards_come_in_order_and_skipping_is_remembered(client):
    register(client, "ann")
    seen = []
    for step in STEPS:
        page = client.get("/").get_data(as_text=True)
        seen.append(shown_step(page))
        response = post(client, f"/welcome/{step}/skip", token_from="/")
        assert response.status_code == 303
    assert seen == list(STEPS)
    assert response.headers["Location"] == "/u/ann"  # the last card leads to the new profile
    assert outcomes("ann") == {step: "skipped" for step in STEPS}
    assert shown_step(client.get("/").get_data(as_text=True)) is None


def test_skip_needs_csrf_and_a_known_card(client):
    register(client, "ann")
    assert client.post("/welcome/about/skip").status_code == 400
    assert post(client, "/welcome/putting/skip", token_from="/").status_code == 404
    assert outcomes("ann") == {}


def test_saving_a_card_changes_only_its_fields(player, as_user):
    player("ann", zip="94103", handicap=8.5, mobility=2, left_handed=True)
    client = as_user("ann")
    response = post(client, "/welcome/about", {"display_name": "Ann Lee", "bio": "Early tee times."},
                    token_from="/")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    profile = profile_of("ann")
    assert (profile.display_name, profile.bio) == ("Ann Lee", "Early tee times.")
    assert (profile.zip, profile.handicap, profile.mobility, profile.left_handed) == ("94103", 8.5, 2, True)
    assert outcomes("ann") == {"about": "done"}

    response = post(client, "/welcome/traits", {"handicap": "12.3", "pace": "quick"}, token_from="/")
    assert response.status_code == 303
    profile = profile_of("ann")
    assert (profile.handicap, profile.pace, profile.mobility, profile.left_handed) == (12.3, 1, 0, False)
    assert (profile.display_name, profile.zip) == ("Ann Lee", "94103")


def test_a_card_is_the_profile_form_itself(player, app):
    profile = player("ann", zip="94103")
    with app.test_request_context("/welcome/about", method="POST", data={"display_name": "x" * 51}):
        form = posted_step_form(profile, "about")
        assert isinstance(form, ProfileForm) and type(form) is ProfileForm
        assert form.zip.data == "94103"


@pytest.mark.parametrize(("step", "data", "message"), [
    ("about", {"display_name": "x" * 51}, "Display names are at most 50 characters."),
    ("traits", {"handicap": "abc"}, "A handicap is a number from -10 to 54"),
    ("traits", {"mobility": "hover"}, "Not a valid choice"),
    ("location", {"zip": "123"}, "A zip code is five digits"),
    ("location", {"zip": "00000"}, "We don&#39;t know the zip code"),
    ("location", {"zip": "94103", "radius_miles": "9999"}, "Use a whole number of miles"),
])
def test_bad_input_on_a_card_is_a_422_with_the_profile_forms_message(client, step, data, message):
    register(client, "ann")
    response = post(client, f"/welcome/{step}", data, token_from="/")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert outcomes("ann") == {}


def test_the_picture_card_takes_an_upload(client, tmp_path):
    register(client, "ann")
    for step in ("about", "traits", "location"):
        post(client, f"/welcome/{step}/skip", token_from="/")
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "green").save(out, "PNG")
    builder = EnvironBuilder(path="/welcome/avatar", method="POST", data={
        "csrf_token": csrf(client, "/"), "avatar": (io.BytesIO(out.getvalue()), "me.png"),
    })
    try:
        response = client.open(builder.get_environ())
    finally:
        builder.close()
    assert response.status_code == 303 and response.headers["Location"] == "/u/ann"
    assert profile_of("ann").avatar
    assert outcomes("ann")["avatar"] == "done"


def test_a_card_the_profile_already_answers_is_not_asked(player, as_user):
    player("ann", zip="94103", bio="Here to play.")
    page = as_user("ann").get("/").get_data(as_text=True)
    assert shown_step(page) == "traits"
    assert home.pending_steps(user("ann"), profile_of("ann")) == ["traits", "avatar"]


def test_every_card_reopens_from_the_profile_page(client, app):
    register(client, "ann")
    for step in STEPS:
        post(client, f"/welcome/{step}/skip", token_from="/")
    post(client, "/welcome/about", {"display_name": "Ann Lee", "bio": "Hi"}, token_from="/")
    profile_page = client.get("/u/ann").get_data(as_text=True)
    for step in STEPS:
        assert f'href="/welcome/{step}"' in profile_page
        card = client.get(f"/welcome/{step}")
        assert card.status_code == 200
        body = card.get_data(as_text=True)
        assert f'action="/welcome/{step}"' in body and "/skip" not in body
    assert 'value="Ann Lee"' in client.get("/welcome/about").get_data(as_text=True)
    other = app.test_client()
    assert 'href="/welcome/about"' not in other.get("/u/ann").get_data(as_text=True)
    assert client.get("/welcome/putting").status_code == 404


def test_cards_need_a_signed_in_player(client):
    response = client.get("/welcome/about")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/welcome/about"
    skipped = post(client, "/welcome/about/skip")  # a valid CSRF token: only the sign-in is missing
    assert skipped.status_code == 302 and skipped.headers["Location"].startswith("/login?next=")


def test_suggested_players_appear_once_a_location_is_known(client, player):
    long_ago = utcnow() - timedelta(days=200)
    player("bob", zip="94110", handicap=14.0, joined=long_ago)
    player("cat", zip="94103", handicap=30.0, joined=long_ago)
    player("dan", zip="10001", handicap=14.0, joined=long_ago)
    register(client, "ann")
    post(client, "/welcome/about/skip", token_from="/")
    post(client, "/welcome/traits", {"handicap": "13.0"}, token_from="/")
    assert not [c for c in cards(client.get("/").get_data(as_text=True)) if c.kind == "suggestion"]

    assert post(client, "/welcome/location", {"zip": "94103", "radius_miles": "25"},
                token_from="/").status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert shown_step(page) == "avatar"
    found = [c for c in cards(page) if c.kind == "suggestion"]
    assert [c.title for c in found] == ["Play with bob?", "Play with cat?"]  # closest handicap first
    assert found[0].actions == [("post", "/u/bob/follow?next=/")]
    # A new player's suggestions come early: right after confirming and availability.
    assert [c.kind for c in cards(page)][:3] == ["verify", "availability", "suggestion"]

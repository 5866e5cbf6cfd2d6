"""Profiles: made at sign-up, edited with bounded fields, shown publicly without the exact place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from app.core.nav import add_panel
from app.extensions import db
from app.identity.models import User
from app.profiles.models import Profile
from tests.support import login, post, register

VALID = {
    "display_name": "Ann Lee",
    "bio": "Weekend hacker, loves links golf.",
    "handicap": "12.4",
    "zip": "94103",
    "radius_miles": "30",
    "drinking": "yes",
    "mobility": "walk",
    "weather": "rain",
    "pace": "quick",
    "play_style": "play",
    "attitude": "fun",
    "left_handed": "y",
}


def edit(client, **changes):
    data = dict(VALID)
    data.update(changes)
    return post(client, "/profile/edit", data, token_from="/profile/edit")


def profile_of(username: str) -> Profile:
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return db.session.get(Profile, user.id)


def test_profile_is_made_at_registration(client):
    assert register(client, "ann").status_code == 303
    profile = profile_of("ann")
    assert profile is not None
    assert profile.display_name == "ann"
    assert profile.handicap is None and profile.latitude is None
    assert (profile.drinking, profile.mobility, profile.weather, profile.pace) == (0, 0, 0, 0)
    assert profile.radius_miles == 25


def test_edit_saves_every_field_and_resolves_the_zip_offline(client):
    register(client, "ann")
    response = edit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/u/ann")
    profile = profile_of("ann")
    assert profile.display_name == "Ann Lee"
    assert profile.handicap == 12.4
    assert profile.zip == "94103" and profile.city == "San Francisco" and profile.state == "CA"
    assert profile.latitude == pytest.approx(37.77, abs=0.05)
    assert profile.longitude == pytest.approx(-122.41, abs=0.05)
    assert (profile.drinking, profile.mobility, profile.weather, profile.pace) == (2, 2, 3, 1)
    assert (profile.play_style, profile.attitude, profile.left_handed, profile.radius_miles) == (
        1,
        1,
        True,
        30,
    )
    page = client.get("/u/ann").get_data(as_text=True)
    assert "Ann Lee" in page and "12.4" in page and "lefty" in page and "Walks" in page


def test_edit_form_is_prefilled(client):
    register(client, "ann")
    edit(client)
    page = client.get("/profile/edit").get_data(as_text=True)
    assert 'value="94103"' in page and 'value="12.4"' in page
    assert '<option selected value="walk">' in page


@pytest.mark.parametrize("code,stored", [("0", 0), ("", 0), ("any", 0), ("1", 1), ("ride", 1), ("2", 2)])
def test_enums_accept_codes_or_numbers_and_zero_means_no_preference(client, code, stored):
    register(client, "ann")
    assert edit(client, mobility=code).status_code == 303
    assert profile_of("ann").mobility == stored


def test_clearing_the_zip_clears_the_location(client):
    register(client, "ann")
    edit(client)
    assert edit(client, zip="", handicap="").status_code == 303
    profile = profile_of("ann")
    assert profile.zip is None and profile.latitude is None and profile.handicap is None


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("handicap", "abc", "A handicap is a number"),
        ("handicap", "54.1", "between -10 and 54"),
        ("handicap", "-10.5", "between -10 and 54"),
        ("handicap", "12.34", "at most one decimal"),
        ("handicap", "1e309", "A handicap is a number"),
        ("handicap", "nan", "A handicap is a number"),
        ("zip", "00000", "We don&#39;t know the zip code"),
        ("zip", "abcde", "five digits"),
        ("zip", "9410", "five digits"),
        ("display_name", "x" * 51, "at most 50"),
        ("bio", "x" * 1001, "under 1000"),
        ("radius_miles", "0", "from 1 to 500"),
        ("radius_miles", "1e309", "whole number"),
        ("mobility", "hover", "Not a valid choice"),
        ("drinking", "7", "Not a valid choice"),
    ],
)
def test_bad_profile_input_is_422_with_a_message(client, field, value, message):
    register(client, "ann")
    response = edit(client, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert profile_of("ann").display_name == "ann"


def test_handicap_bounds_are_accepted(client):
    register(client, "ann")
    assert edit(client, handicap="-10").status_code == 303
    assert profile_of("ann").handicap == -10.0
    assert edit(client, handicap="54.0").status_code == 303
    assert profile_of("ann").handicap == 54.0


def test_zip_plus_four_is_accepted(client):
    register(client, "ann")
    assert edit(client, zip="94103-1234").status_code == 303
    assert profile_of("ann").zip == "94103"


def test_edit_needs_login_and_csrf(client):
    response = client.get("/profile/edit")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    register(client, "ann")
    assert client.post("/profile/edit", data=VALID).status_code == 400


def test_user_text_is_escaped(client):
    register(client, "ann")
    edit(client, display_name="<script>x</script>", bio="<b>bold</b>")
    page = client.get("/u/ann").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page


# --- the public page ----------------------------------------------------------------------


def test_anonymous_visitor_sees_profile_without_exact_location_and_a_join_link(
    client, make_player, app, monkeypatch
):
    monkeypatch.delitem(app.blueprints, "referrals", raising=False)
    make_player("bob", zip="94103", display_name="Bob Ray", handicap=9.0)
    response = client.get("/u/bob")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bob Ray" in page and "9.0" in page
    assert "94103" not in page and "San Francisco" not in page
    assert "Plays in CA" in page
    assert "Join Fairway" in page and 'href="/register"' in page
    assert "Edit profile" not in page


def test_join_link_carries_the_owners_referral_link(client, make_player, app):
    from app.referrals.services import current_code

    profile = make_player("bob", zip="94103")
    code = current_code(db.session.get(User, profile.user_id))
    db.session.commit()
    page = client.get("/u/bob").get_data(as_text=True)
    assert f'href="{app.config["APP_BASE_URL"]}/r/{code}"' in page
    # The link really brings a new visitor to sign-up with bob's code.
    answer = client.get(f"/r/{code}")
    assert answer.status_code == 303 and f"code={code}" in answer.headers["Location"]


def test_members_see_the_town_and_distance_but_not_the_zip(client, make_player):
    make_player("bob", zip="94607")
    register(client, "ann")
    edit(client)
    page = client.get("/u/bob").get_data(as_text=True)
    assert "Oakland, CA" in page and "mi from you" in page
    assert "94607" not in page
    assert "Join Fairway" not in page


def test_owner_sees_edit_links(client):
    register(client, "ann")
    page = client.get("/u/ann").get_data(as_text=True)
    assert 'href="/profile/edit"' in page and 'href="/availability"' in page
    assert client.get("/profile").headers["Location"].endswith("/u/ann")


def test_username_lookup_is_case_insensitive_and_unknown_is_404(client, make_player):
    make_player("bob")
    assert client.get("/u/BOB").status_code == 200
    assert client.get("/u/nobody").status_code == 404
    assert client.get("/u/" + "x" * 300).status_code == 404


def test_deactivated_users_profile_is_404(client, make_player):
    from app.clock import utcnow

    profile = make_player("bob")
    db.session.get(User, profile.user_id).deactivated_at = utcnow()
    db.session.commit()
    assert client.get("/u/bob").status_code == 404


def test_other_areas_panels_render_with_profile_context(app, client, make_player):
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {"test_panel.html": "<p>PANEL {{ profile_user.username }} / {{ profile.display_name }}</p>"}
            ),
            app.jinja_env.loader,
        ]
    )
    add_panel(app, "profile", "test_panel.html")
    make_player("bob", display_name="Bob Ray")
    assert "PANEL bob / Bob Ray" in client.get("/u/bob").get_data(as_text=True)


def test_nav_links_for_members(client):
    register(client, "ann")
    page = client.get("/").get_data(as_text=True)
    for href in ('href="/players"', 'href="/players/match"', 'href="/availability"'):
        assert href in page


def test_profile_created_for_admin_made_on_the_command_line(runner):
    result = runner.invoke(
        args=["users", "create-admin", "root", "root@example.com", "--password", "a-long-admin-pass-77"]
    )
    assert result.exit_code == 0, result.output
    assert profile_of("root") is not None


def test_login_then_edit(client, make_player):
    make_player("bob")
    assert login(client, "bob").status_code == 303
    assert edit(client, display_name="Bobby").status_code == 303
    assert profile_of("bob").display_name == "Bobby"

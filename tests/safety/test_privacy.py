"""Privacy settings: who may start a conversation, whether others see my distance (never the
figure, in any page), and a members-only profile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.following import services as following
from app.messaging import services as messaging
from app.messaging.models import Message
from app.profiles import services as profiles
from app.safety import services as safety
from tests.safety.conftest import user
from tests.support import post

ANN, ZED = "alpha_ann", "zulu_zed"
OAKLAND = "94607"
MILES = re.compile(r"\d+\.\d mi")


def set_privacy(username: str, messages_from: str = "everyone", show_distance: bool = True,
                profile_visibility: str = "public") -> None:
    safety.save_privacy(user(username), messages_from, show_distance, profile_visibility)
    db.session.commit()


def distance_checked(page: str) -> bool:
    box = re.search(r'<input[^>]*name="show_distance"[^>]*>', page)
    assert box is not None
    return " checked " in box.group(0)


def messages() -> int:
    db.session.expire_all()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Message)) or 0)


def test_the_privacy_page_shows_the_defaults_and_saves(player, as_user):
    player(ANN)
    ann = as_user(ANN)
    page = ann.get("/settings/privacy").get_data(as_text=True)
    assert '<option selected value="everyone">' in page and distance_checked(page)
    response = post(ann, "/settings/privacy", {"messages_from": "following", "profile_visibility": "members"},
                    token_from="/settings/privacy")
    assert response.status_code == 303 and response.headers["Location"] == "/settings/privacy"
    saved = safety.privacy_of(user(ANN))
    chosen = (saved.messages_from, saved.show_distance, saved.profile_visibility)
    assert chosen == ("following", False, "members")
    page = ann.get("/settings/privacy").get_data(as_text=True)
    assert '<option selected value="following">' in page and not distance_checked(page)
    # Saving again updates the same row.
    post(ann, "/settings/privacy", {"messages_from": "nobody", "show_distance": "y",
                                    "profile_visibility": "public"}, token_from="/settings/privacy")
    assert safety.privacy_of(user(ANN)).messages_from == "nobody"


@pytest.mark.parametrize("field, value", [("messages_from", "friends"), ("profile_visibility", "secret"),
                                          ("messages_from", "x" * 5000)])
def test_an_unknown_choice_is_a_422(player, as_user, field, value):
    player(ANN)
    form = {"messages_from": "everyone", "profile_visibility": "public", field: value}
    assert post(as_user(ANN), "/settings/privacy", form, token_from="/settings/privacy").status_code == 422
    assert safety.privacy_of(user(ANN)).messages_from == "everyone"


def test_the_privacy_page_needs_a_login(client):
    assert client.get("/settings/privacy").status_code == 302


def test_messages_from_nobody_refuses_new_conversations_with_a_clear_403(player, as_user):
    player(ANN), player(ZED), player("old_friend")
    messaging.send_message(user("old_friend"), user(ANN), "see you saturday")
    db.session.commit()
    set_privacy(ANN, messages_from="nobody")
    refused = post(as_user(ZED), f"/messages/{ANN}", {"body": "hi"}, token_from=f"/u/{ANN}")
    assert refused.status_code == 403
    assert f"{ANN} doesn&#39;t take new messages." in refused.get_data(as_text=True)
    # A conversation already started goes on.
    going_on = post(as_user("old_friend"), f"/messages/{ANN}", {"body": "and sunday?"},
                    token_from=f"/u/{ANN}")
    assert going_on.status_code == 303
    assert messages() == 2


def test_messages_from_following_admits_only_players_i_follow(player, as_user):
    player(ANN), player(ZED), player("friend_f")
    following.follow(user(ANN), user("friend_f"))
    following.follow(user(ZED), user(ANN))  # Zed follows Ann; that is not enough
    db.session.commit()
    set_privacy(ANN, messages_from="following")
    refused = post(as_user(ZED), f"/messages/{ANN}", {"body": "hi"}, token_from=f"/u/{ANN}")
    assert refused.status_code == 403 and "only from players they follow" in refused.get_data(as_text=True)
    admitted = post(as_user("friend_f"), f"/messages/{ANN}", {"body": "hi"}, token_from=f"/u/{ANN}")
    assert admitted.status_code == 303
    assert messages() == 1


def test_a_tee_time_invite_to_a_player_who_takes_no_messages_is_a_403(player, as_user):
    from tests.safety.test_block import _round

    player(ANN), player(ZED)
    set_privacy(ANN, messages_from="nobody")
    tee_time = _round(ZED)
    page = f"/t/{tee_time.code}"
    assert post(as_user(ZED), f"{page}/invite/{ANN}", token_from=page).status_code == 403
    assert messages() == 0


def _near_world(player) -> None:
    """Ann in San Francisco, Zed in Oakland, both free tomorrow morning: Zed shows up with a
    distance in Ann's search, match and timeline, and on his profile."""
    player(ANN, handicap=12.0, radius_miles=50)
    player(ZED, zip=OAKLAND, handicap=12.0)
    day = profiles.today(user(ANN)) + timedelta(days=1)
    for name in (ANN, ZED):
        profiles.mark_slot(user(name), day, "morning")
    db.session.commit()


PAGES = ["/players?near=94103&radius=50", "/players?q=zulu", "/players/match", "/", f"/u/{ZED}"]


@pytest.mark.parametrize("path", PAGES)
def test_a_hidden_distance_shows_nearby_and_never_the_figure(player, as_user, path):
    _near_world(player)
    ann = as_user(ANN)
    before = ann.get(path).get_data(as_text=True)
    figures = MILES.findall(before)
    assert ZED in before and figures, "the page shows Zed's distance while he shares it"
    set_privacy(ZED, show_distance=False)
    after = ann.get(path).get_data(as_text=True)
    assert ZED in after and "nearby" in after
    for figure in figures:
        assert figure not in after
        assert figure.split()[0] not in after  # not even the number alone


def test_a_members_only_profile_shows_visitors_only_the_join_link(player, as_user, client):
    player(ANN, display_name="Ann Alpha", bio="Early tee times, walking only")
    set_privacy(ANN, profile_visibility="members")
    page = client.get(f"/u/{ANN}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Join Fairway" in text and "/r/" in text
    assert "Ann Alpha" not in text and "Early tee times" not in text
    player(ZED)
    assert "Early tee times" in as_user(ZED).get(f"/u/{ANN}").get_data(as_text=True)
    set_privacy(ANN, profile_visibility="public")
    assert "Early tee times" in client.get(f"/u/{ANN}").get_data(as_text=True)

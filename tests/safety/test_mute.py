"""Muting: the muted player's activity leaves my timeline and notifications, their messages
still arrive (without a notice), and they are not told. ``/settings/blocked`` lists both kinds
with undo buttons."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.following import services as following
from app.messaging import services as messaging
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.profiles import services as profiles
from app.safety import services as safety
from app.safety.models import Mute
from tests.safety.conftest import user
from tests.support import post

ANN, ZED = "alpha_ann", "zulu_zed"


def without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:value|content)=)"[^"]*"', r"\1", page)


def mute(muter: str, muted: str) -> None:
    safety.mute(user(muter), user(muted))
    db.session.commit()


def notices(username: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == user(username).id)
    ))


def test_mute_and_unmute_buttons_on_the_profile(player, as_user):
    player(ANN), player(ZED)
    ann = as_user(ANN)
    page = ann.get(f"/u/{ZED}").get_data(as_text=True)
    assert f'action="/u/{ZED}/mute"' in page and f'action="/u/{ZED}/block"' in page
    assert post(ann, f"/u/{ZED}/mute", token_from=f"/u/{ZED}").status_code == 303
    assert post(ann, f"/u/{ZED}/mute", token_from=f"/u/{ZED}").status_code == 303  # a repeat: no-op
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mute)) == 1
    page = ann.get(f"/u/{ZED}").get_data(as_text=True)
    assert f'action="/u/{ZED}/unmute"' in page
    assert post(ann, f"/u/{ZED}/unmute", token_from=f"/u/{ZED}").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mute)) == 0
    assert post(ann, f"/u/{ANN}/mute", token_from="/").status_code == 422


def test_a_muted_players_messages_arrive_without_a_notice(player, as_user):
    player(ANN), player(ZED)
    mute(ANN, ZED)
    zed = as_user(ZED)
    sent = post(zed, f"/messages/{ANN}", {"body": "round on sunday?"}, token_from=f"/u/{ANN}")
    assert sent.status_code == 303
    assert post(zed, f"/u/{ANN}/follow", token_from=f"/u/{ANN}").status_code == 303
    assert notices(ANN) == []
    inbox = as_user(ANN).get("/messages").get_data(as_text=True)
    assert ZED in inbox and "round on sunday?" in inbox
    assert messaging.unread_total(user(ANN)) == 1


def test_earlier_notices_from_a_muted_player_are_hidden_and_come_back_on_unmute(player, as_user):
    player(ANN), player(ZED)
    following.follow(user(ZED), user(ANN))
    db.session.commit()
    assert notices(ANN) == ["follow"] and notifications.unread_count(user(ANN)) == 1
    mute(ANN, ZED)
    ann = as_user(ANN)
    assert ZED not in ann.get("/notifications").get_data(as_text=True)
    assert notifications.unread_count(user(ANN)) == 0
    safety.unmute(user(ANN), user(ZED))
    db.session.commit()
    assert ZED in ann.get("/notifications").get_data(as_text=True)


def test_a_muted_player_leaves_my_timeline(player, as_user):
    player(ANN, handicap=12.0), player(ZED, handicap=12.0)
    day = profiles.today(user(ANN)) + timedelta(days=1)
    profiles.mark_slot(user(ANN), day, "morning")
    profiles.mark_slot(user(ZED), day, "morning")
    following.follow(user(ANN), user(ZED))
    messaging.send_message(user(ZED), user(ANN), "hello there")
    db.session.commit()
    ann = as_user(ANN)
    assert ZED in ann.get("/").get_data(as_text=True)
    mute(ANN, ZED)
    assert ZED not in ann.get("/").get_data(as_text=True)
    # Muting is not blocking: the follow stays, the conversation stays.
    assert following.is_following(user(ANN).id, user(ZED).id)
    assert ZED in ann.get("/messages").get_data(as_text=True)


def test_the_muted_player_is_not_told(player, as_user):
    player(ANN), player(ZED)
    zed = as_user(ZED)
    before = zed.get(f"/u/{ANN}").get_data(as_text=True)
    mute(ANN, ZED)
    after = zed.get(f"/u/{ANN}").get_data(as_text=True)
    assert without_tokens(after) == without_tokens(before)
    assert notices(ZED) == []


def test_settings_blocked_lists_both_with_undo(player, as_user):
    player(ANN), player(ZED), player("muted_mo")
    safety.block(user(ANN), user(ZED))
    safety.mute(user(ANN), user("muted_mo"))
    db.session.commit()
    ann = as_user(ANN)
    page = ann.get("/settings/blocked").get_data(as_text=True)
    assert f'action="/u/{ZED}/unblock?next=/settings/blocked"' in page
    assert 'action="/u/muted_mo/unmute?next=/settings/blocked"' in page
    response = post(ann, f"/u/{ZED}/unblock?next=/settings/blocked", token_from="/settings/blocked")
    assert response.status_code == 303 and response.headers["Location"] == "/settings/blocked"
    page = ann.get("/settings/blocked").get_data(as_text=True)
    assert "You haven't blocked anyone." in page and "muted_mo" in page
    assert "You haven't muted anyone." in as_user(ZED).get("/settings/blocked").get_data(as_text=True)


def test_settings_blocked_needs_a_login(client):
    assert client.get("/settings/blocked").status_code == 302

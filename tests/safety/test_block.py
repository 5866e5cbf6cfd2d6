"""Blocking: one decision every area asks, 404 for the blocker's pages, 403 for every way of
reaching them, and lists that leave both players out of each other's sight (filtered in SQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.following import services as following
from app.following.models import Follow
from app.messaging import services as messaging
from app.messaging.models import Conversation, Message
from app.profiles import services as profiles
from app.referrals import services as referrals
from app.safety import services as safety
from app.safety.models import Block
from app.teetimes import services as teetimes
from app.teetimes.models import Claim, TeeTime
from tests.home.conftest import counting_statements
from tests.safety.conftest import user
from tests.support import post

ANN, ZED = "alpha_ann", "zulu_zed"


def block(blocker: str, blocked: str) -> None:
    safety.block(user(blocker), user(blocked))
    db.session.commit()


def blocks() -> list[tuple[int, int]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(sa.select(Block.blocker_id, Block.blocked_id))]


def test_blocking_ends_follows_both_ways_and_a_repeat_is_a_no_op(player, as_user):
    player(ANN), player(ZED)
    following.follow(user(ANN), user(ZED))
    following.follow(user(ZED), user(ANN))
    db.session.commit()
    client = as_user(ANN)
    response = post(client, f"/u/{ZED}/block", token_from=f"/u/{ZED}")
    assert response.status_code == 303 and response.headers["Location"] == f"/u/{ZED}"
    assert post(client, f"/u/{ZED}/block", token_from=f"/u/{ZED}").status_code == 303
    assert blocks() == [(user(ANN).id, user(ZED).id)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 0


def test_blocking_yourself_is_a_422(player, as_user):
    player(ANN)
    assert post(as_user(ANN), f"/u/{ANN}/block", token_from="/").status_code == 422
    assert blocks() == []


def test_anonymous_block_goes_to_login_and_an_unknown_player_is_a_404(player, as_user, client):
    player(ANN)
    assert post(client, f"/u/{ANN}/block").status_code == 302
    assert post(as_user(ANN), "/u/nobody_here/block", token_from="/").status_code == 404


def test_the_blocked_player_gets_404_for_the_blockers_pages_the_blocker_still_sees_theirs(player, as_user):
    player(ANN), player(ZED)
    block(ANN, ZED)
    zed = as_user(ZED)
    for page in (f"/u/{ANN}", f"/u/{ANN}/followers", f"/u/{ANN}/following"):
        assert zed.get(page).status_code == 404, page
    page = as_user(ANN).get(f"/u/{ZED}")
    assert page.status_code == 200
    assert f'action="/u/{ZED}/unblock"' in page.get_data(as_text=True)


def test_the_blocked_player_gets_403_for_every_way_of_reaching_the_blocker(player, as_user):
    player(ANN), player(ZED)
    block(ANN, ZED)
    zed = as_user(ZED)
    token_page = f"/u/{ZED}"
    assert post(zed, f"/u/{ANN}/follow", token_from=token_page).status_code == 403
    assert post(zed, f"/u/{ANN}/fistbump", token_from=token_page).status_code == 403
    assert zed.get(f"/messages/{ANN}").status_code == 403
    assert post(zed, f"/messages/{ANN}", {"body": "hello?"}, token_from=token_page).status_code == 403
    # ... and the blocker does not reach the blocked player either, until they unblock.
    ann = as_user(ANN)
    assert post(ann, f"/u/{ZED}/follow", token_from=f"/u/{ZED}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    assert post(ann, f"/u/{ZED}/unblock", token_from=f"/u/{ZED}").status_code == 303
    assert post(ann, f"/u/{ZED}/follow", token_from=f"/u/{ZED}").status_code == 303


def test_a_service_call_from_any_area_is_refused_too(player):
    """The rule lives in the services, so a new caller cannot forget it."""
    player(ANN), player(ZED)
    block(ZED, ANN)
    with pytest.raises(safety.Unreachable):
        messaging.send_message(user(ANN), user(ZED), "hi")
    with pytest.raises(safety.Unreachable):
        following.fist_bump(user(ANN), user(ZED))


def _round(host: str) -> TeeTime:
    details = teetimes.RoundDetails(
        course="Harding Park", day=(utcnow() + timedelta(days=3)).date(), slot="morning", exact=None,
        spots=3, note="", visibility="link",
    )
    tee_time = teetimes.post_tee_time(user(host), details)
    db.session.commit()
    return tee_time


def test_the_blocked_player_cannot_claim_the_blockers_round_or_invite_the_blocker(player, as_user):
    player(ANN), player(ZED)
    ann_round, zed_round = _round(ANN), _round(ZED)
    block(ANN, ZED)
    zed = as_user(ZED)
    page = f"/t/{ann_round.code}"
    assert post(zed, f"{page}/claim", token_from=page).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0
    own = f"/t/{zed_round.code}"
    assert post(zed, f"{own}/invite/{ANN}", token_from=own).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


# --- blocked players never meet --------------------------------------------------------------


def _referred_someone(referrer: str, invitee: str, app) -> None:
    from app.identity.signals import email_verified

    person = user(invitee)
    referrals.record_referral(user(referrer).id, person, None)
    person.email_verified_at = utcnow()
    email_verified.send(app, user=person)
    db.session.commit()


def _world(app, player) -> None:
    """Ann and Zed would meet on every list page: same zip, free the same morning, a
    conversation, a follow (hence a notification), a common friend, a referral each."""
    player(ANN, handicap=12.0)
    player(ZED, handicap=12.0)
    player("carol_c")
    player("invited_one", verified=False)
    player("invited_two", verified=False)
    day = profiles.today(user(ANN)) + timedelta(days=1)
    for name in (ANN, ZED):
        profiles.mark_slot(user(name), day, "morning")
    messaging.send_message(user(ZED), user(ANN), "fancy a round?")
    messaging.send_message(user(ANN), user(ZED), "sure, which day?")
    messaging.send_message(user(ZED), user(ANN), "tomorrow morning")
    following.follow(user(ZED), user(ANN))
    following.follow(user(ANN), user(ZED))
    following.follow(user(ZED), user("carol_c"))
    following.follow(user(ANN), user("carol_c"))
    db.session.commit()
    _referred_someone(ANN, "invited_one", app)
    _referred_someone(ZED, "invited_two", app)


PAGES = [
    "/players?q=",  # search, by name
    "/players/match",  # free at the same time, nearby
    "/",  # the timeline: unread messages, players near you
    "/u/carol_c/followers",  # a common friend's list
    "/leaderboard",
    "/messages",  # the inbox
    "/notifications",
]


@pytest.mark.parametrize("blocker", ["viewer", "other"])
@pytest.mark.parametrize("path", PAGES)
def test_blocked_players_never_meet(app, player, as_user, path, blocker):
    _world(app, player)
    # A search looks for part of the name (the search box shows the query back).
    url = path + ("zulu" if path.endswith("q=") else "")
    viewer = as_user(ANN)
    before = viewer.get(url)
    assert before.status_code == 200
    assert ZED in before.get_data(as_text=True), "the page shows Zed before the block"
    if blocker == "viewer":
        block(ANN, ZED)
    else:
        block(ZED, ANN)
    after = viewer.get(url)
    assert after.status_code == 200
    assert ZED not in after.get_data(as_text=True)
    # Zed does not see Ann there either.
    zed_url = path + ("alpha" if path.endswith("q=") else "")
    assert zed_url == path or ANN in as_user("carol_c").get(zed_url).get_data(as_text=True)
    assert ANN not in as_user(ZED).get(zed_url).get_data(as_text=True)


def test_the_conversation_is_hidden_not_deleted(app, player, as_user):
    _world(app, player)
    block(ANN, ZED)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conversation)) == 1
    assert messaging.unread_total(user(ANN)) == 0  # the badge leaves it out too
    safety.unblock(user(ANN), user(ZED))
    db.session.commit()
    assert ZED in as_user(ANN).get("/messages").get_data(as_text=True)
    assert messaging.unread_total(user(ANN)) == 2


@pytest.mark.parametrize("path", ["/players?q=a", "/players/match", "/messages", "/notifications"])
def test_blocks_cost_no_extra_statements(app, player, as_user, path):
    _world(app, player)
    client = as_user(ANN)
    client.get(path)
    with counting_statements() as none_blocked:
        client.get(path)
    for n in range(5):
        player(f"blocked_{n}")
        if n % 2:
            block(f"blocked_{n}", ANN)
        else:
            block(ANN, f"blocked_{n}")
    with counting_statements() as some_blocked:
        client.get(path)
    assert len(some_blocked) == len(none_blocked)

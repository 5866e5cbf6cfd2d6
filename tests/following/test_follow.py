"""Follow and unfollow (CSRF POSTs, no self-follow, repeats are no-ops), the profile panel,
and the paginated followers/following lists."""

from __future__ import annotations

import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.following.models import Follow
from app.identity.models import User
from tests.following.players import count, user_id
from tests.support import csrf, post


def follows(follower: str, followed: str) -> int:
    return count(Follow, Follow.follower_id == user_id(follower), Follow.followed_id == user_id(followed))


def test_follow_then_repeat_is_one_row(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    first = post(ann, "/u/bob/follow", token_from="/u/bob")
    assert first.status_code == 303 and first.headers["Location"] == "/u/bob"
    again = post(ann, "/u/bob/follow", token_from="/u/bob")
    assert again.status_code == 303
    assert follows("ann", "bob") == 1
    assert "You already follow bob" in ann.get("/u/bob").get_data(as_text=True)


def test_follow_needs_login_and_csrf(make_user, as_user, client):
    make_user("ann"), make_user("bob")
    anonymous = post(client, "/u/bob/follow")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    ann = as_user("ann")
    assert ann.post("/u/bob/follow").status_code == 400
    assert ann.post("/u/bob/follow", data={"csrf_token": "forged"}).status_code == 400
    assert follows("ann", "bob") == 0


def test_self_follow_is_refused_with_a_message(make_user, as_user):
    make_user("ann")
    ann = as_user("ann")
    response = post(ann, "/u/ann/follow", token_from="/u/ann")
    assert response.status_code == 422
    assert "You can&#39;t follow yourself." in response.get_data(as_text=True)
    assert follows("ann", "ann") == 0


def test_unknown_and_deactivated_players_are_404(make_user, as_user):
    make_user("ann"), make_user("gone", active=False)
    ann = as_user("ann")
    token = csrf(ann, "/u/ann")
    for path in ("/u/gone/follow", "/u/gone/unfollow", "/u/nobody/follow", "/u/gone/fistbump"):
        assert ann.post(path, data={"csrf_token": token}).status_code == 404, path
    for path in ("/u/gone/followers", "/u/gone/following", "/u/nobody/followers"):
        assert ann.get(path).status_code == 404, path
    assert count(Follow) == 0


def test_unfollow_removes_the_follow(make_user, as_user):
    make_user("ann"), make_user("bob")
    ann = as_user("ann")
    post(ann, "/u/bob/follow", token_from="/u/bob")
    response = post(ann, "/u/bob/unfollow", token_from="/u/bob")
    assert response.status_code == 303 and follows("ann", "bob") == 0
    assert post(ann, "/u/bob/unfollow", token_from="/u/bob").status_code == 303


def test_profile_shows_counts_follows_you_and_buttons(make_user, as_user, client):
    make_user("ann"), make_user("bob"), make_user("cat")
    post(as_user("bob"), "/u/ann/follow", token_from="/u/ann")
    post(as_user("cat"), "/u/ann/follow", token_from="/u/ann")
    ann = as_user("ann")
    post(ann, "/u/bob/follow", token_from="/u/bob")

    on_bob = ann.get("/u/bob").get_data(as_text=True)
    assert "Follows you" in on_bob
    assert "/u/bob/unfollow" in on_bob and "/u/bob/follow\"" not in on_bob
    assert "<strong>1</strong> follower<" in on_bob and "<strong>1</strong> following" in on_bob

    on_cat = ann.get("/u/cat").get_data(as_text=True)
    assert "Follows you" in on_cat and "/u/cat/follow\"" in on_cat

    own = ann.get("/u/ann").get_data(as_text=True)
    assert "<strong>2</strong> followers" in own and "/u/ann/follow\"" not in own
    assert "Follows you" not in own

    public = client.get("/u/ann").get_data(as_text=True)
    assert "<strong>2</strong> followers" in public and "/follow\"" not in public


def test_lists_are_paginated_with_counts_newest_first(make_user, as_user):
    make_user("star")
    star_id = user_id("star")
    for i in range(25):
        follower = make_user(f"fan{i:02d}")
        db.session.add(Follow(follower_id=follower.id, followed_id=star_id))
    db.session.add(Follow(follower_id=star_id, followed_id=user_id("fan03")))
    db.session.commit()
    viewer = as_user("fan00")

    first = viewer.get("/u/star/followers").get_data(as_text=True)
    assert "25 followers" in first and "Page 1 of 2" in first
    assert "@fan24" in first and "@fan05" in first and "@fan04" not in first
    assert "page=2" in first
    second = viewer.get("/u/star/followers?page=2").get_data(as_text=True)
    assert all(f"@fan{i:02d}" in second for i in range(5)) and "@fan05" not in second

    following = viewer.get("/u/star/following").get_data(as_text=True)
    assert "1 following" in following and "@fan03" in following

    assert viewer.get("/u/star/followers?page=abc").status_code == 422
    assert viewer.get("/u/star/followers?page=0").status_code == 422


def test_deactivated_followers_are_not_counted_or_listed(make_user, as_user):
    make_user("star")
    for name in ("fan1", "fan2"):
        make_user(name)
        post(as_user(name), "/u/star/follow", token_from="/u/star")
    db.session.scalar(sa.select(User).where(User.username == "fan2")).deactivated_at = utcnow()
    db.session.commit()
    page = as_user("fan1").get("/u/star/followers").get_data(as_text=True)
    assert "1 follower" in page and "@fan1" in page and "@fan2" not in page


def test_list_pages_need_login(client, make_user):
    make_user("star")
    response = client.get("/u/star/followers")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")

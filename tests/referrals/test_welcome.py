""""Alice invited you": /register?code= shows a live referral code's owner and prefills it, shows
nothing for unknown codes (which never block an open-mode sign-up), and counts each lookup
against the resolver's per-address limit. After sign-up the newcomer follows the inviter, who
can follow back in one click."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.following.models import Follow
from app.referrals import services
from tests.factories import make_member
from tests.referrals.conftest import fetch
from tests.support import login, post, register

ONE = {"environ_overrides": {"REMOTE_ADDR": "198.51.100.7"}}


def inviter_code(username: str = "ann", **profile) -> str:
    make_member(username, **profile)
    code = services.current_code(fetch(username))
    db.session.commit()
    return code


def follows(a: str, b: str) -> bool:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Follow.id).where(Follow.follower_id == fetch(a).id, Follow.followed_id == fetch(b).id)
    ) is not None


def test_a_valid_referral_code_shows_the_inviter_and_is_prefilled(client):
    code = inviter_code(display_name="Ann Birdie", avatar="a1b2c3.jpg")
    page = client.get(f"/register?code={code.lower()}").get_data(as_text=True)
    assert 'id="inviter"' in page and "<strong>Ann Birdie</strong> invited you" in page
    assert 'src="/avatars/a1b2c3.jpg"' in page
    assert f'value="{code}"' in page


def test_an_invite_code_is_prefilled_without_a_card(client):
    (invite,) = services.mint_invites(uses=1)
    db.session.commit()
    page = client.get(f"/register?code={invite.code}").get_data(as_text=True)
    assert f'value="{invite.code}"' in page and 'id="inviter"' not in page


@pytest.mark.parametrize("bad", ["NOTACODE42", "hello", "", "x" * 300])
def test_an_unknown_code_shows_no_card_is_not_prefilled_and_does_not_block_sign_up(client, bad):
    page = client.get("/register", query_string={"code": bad}).get_data(as_text=True)
    assert 'id="inviter"' not in page
    assert 'name="invite_code" type="text" value=""' in page
    assert register(client, "bob", invite_code="").status_code == 303


def test_a_deactivated_inviters_code_is_dead(client):
    code = inviter_code()
    fetch("ann").deactivated_at = db.func.now()
    db.session.commit()
    page = client.get(f"/register?code={code}").get_data(as_text=True)
    assert 'id="inviter"' not in page and f'value="{code}"' not in page


class TestLookupsShareTheResolverLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_RESOLVE_IP": "3 per minute"}

    def test_over_the_limit_the_form_shows_without_card_or_code(self, client):
        code = inviter_code()
        for _ in range(3):
            assert client.get("/api/referral/resolve?code=ABC", **ONE).status_code == 200
        answer = client.get(f"/register?code={code}", **ONE)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'name="username"' in page
        assert 'id="inviter"' not in page and 'name="invite_code" type="text" value=""' in page
        other = client.get(f"/register?code={code}", environ_overrides={"REMOTE_ADDR": "198.51.100.8"})
        assert 'id="inviter"' in other.get_data(as_text=True)

    def test_form_lookups_count_against_the_resolver(self, client):
        code = inviter_code()
        for _ in range(3):
            assert 'id="inviter"' in client.get(f"/register?code={code}", **ONE).get_data(as_text=True)
        assert client.get("/api/referral/resolve?code=ABC", **ONE).status_code == 429


def test_the_newcomer_follows_the_inviter_who_can_follow_back(app, client):
    code = inviter_code()
    client.get(f"/r/{code}")
    assert register(client, "bob", invite_code="").status_code == 303
    assert follows("bob", "ann") and not follows("ann", "bob")
    ann = app.test_client()
    login(ann, "ann")
    page = ann.get("/notifications").get_data(as_text=True)
    assert "started following you" in page and "Follow back" in page
    assert 'action="/u/bob/follow?next=/notifications"' in page
    answer = post(ann, "/u/bob/follow?next=/notifications", token_from="/notifications")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/notifications")
    assert follows("ann", "bob")
    assert "Follow back" not in ann.get("/notifications").get_data(as_text=True)


def test_a_sign_up_without_a_referral_follows_no_one(client):
    inviter_code()
    assert register(client, "bob").status_code == 303
    assert not follows("bob", "ann")

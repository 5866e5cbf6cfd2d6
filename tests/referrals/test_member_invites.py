"""Member invites in invite-only mode: a referral code admits a sign-up only while its owner is
verified, old enough and has invites left in the rolling 30 days; beyond that, 422 with a way to
the waitlist. Admin invites and open mode are not counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.referrals import quota, services
from app.referrals.models import Referral
from tests.referrals.conftest import fetch, referred_by, seasoned
from tests.support import login, register


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only", "MEMBER_INVITES_PER_MONTH": 2,
            "MEMBER_INVITE_MIN_AGE_DAYS": 7}


def code_of(username: str) -> str:
    code = services.current_code(fetch(username))
    db.session.commit()
    return code


def users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_a_member_link_admits_its_quota_then_points_to_the_waitlist(app, make_user):
    make_user("ann")
    seasoned("ann")
    code = code_of("ann")
    assert register(app.test_client(), "bob", invite_code=code).status_code == 303
    assert register(app.test_client(), "cat", invite_code=code).status_code == 303
    answer = register(app.test_client(), "dan", invite_code=code)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "no invites left this month" in page and 'href="/waitlist"' in page
    assert users() == 3 and referred_by("dan") is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(Referral.admitted)) == 2


def test_an_unverified_member_admits_no_one(app, make_user):
    make_user("ann", verified=False, created_at=utcnow() - timedelta(days=30))
    answer = register(app.test_client(), "bob", invite_code=code_of("ann"))
    assert answer.status_code == 422
    assert "can&#39;t invite anyone yet" in answer.get_data(as_text=True)
    assert users() == 1


def test_a_member_younger_than_the_minimum_age_admits_no_one_until_then(app, make_user):
    with time_machine.travel(datetime(2030, 3, 1, 12, tzinfo=UTC), tick=False):
        make_user("ann")
        code = code_of("ann")
    with time_machine.travel(datetime(2030, 3, 8, 11, 59, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "bob", invite_code=code).status_code == 422
    with time_machine.travel(datetime(2030, 3, 8, 12, 1, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "bob", invite_code=code).status_code == 303
    assert referred_by("bob") == "ann"


def test_the_quota_is_a_rolling_30_days(app, make_user):
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        make_user("ann")
        code = code_of("ann")
    with time_machine.travel(datetime(2030, 2, 1, 9, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "bob", invite_code=code).status_code == 303
    with time_machine.travel(datetime(2030, 2, 10, 9, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "cat", invite_code=code).status_code == 303
        assert register(app.test_client(), "dan", invite_code=code).status_code == 422
        left = quota.allowance(fetch("ann"))
        assert (left.used, left.left, left.next_back) == (2, 0, datetime(2030, 3, 3, 9))
    with time_machine.travel(datetime(2030, 3, 3, 8, 59, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "dan", invite_code=code).status_code == 422
    with time_machine.travel(datetime(2030, 3, 3, 9, 1, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "dan", invite_code=code).status_code == 303
        assert register(app.test_client(), "eve", invite_code=code).status_code == 422


def test_an_admin_invite_admits_without_spending_member_invites(app, make_user):
    make_user("ann")
    seasoned("ann")
    code = code_of("ann")
    client = app.test_client()
    client.get(f"/r/{code}")  # ann's link is remembered, but the admin invite admits
    for name in ("bob", "cat"):
        (invite,) = services.mint_invites(uses=1)
        db.session.commit()
        client = app.test_client()
        client.get(f"/r/{code}")
        assert register(client, name, invite_code=invite.code).status_code == 303
        assert referred_by(name) == "ann"
    assert quota.allowance(fetch("ann")).left == 2


def test_a_typed_code_with_invites_left_admits_when_the_remembered_one_has_none(app, make_user):
    make_user("ann")
    make_user("zoe")
    seasoned("ann")
    seasoned("zoe")
    ann, zoe = code_of("ann"), code_of("zoe")
    for name in ("bob", "cat"):
        assert register(app.test_client(), name, invite_code=ann).status_code == 303
    client = app.test_client()
    client.get(f"/r/{ann}")
    assert register(client, "dan", invite_code=zoe).status_code == 303
    assert referred_by("dan") == "zoe"


def test_the_referrals_page_shows_invites_left_and_the_next_one_back(app, make_user):
    make_user("ann")
    seasoned("ann")
    code = code_of("ann")
    with time_machine.travel(datetime(2030, 6, 1, 9, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "bob", invite_code=code).status_code == 303
        client = app.test_client()
        login(client, "ann")
        page = client.get("/referrals").get_data(as_text=True)
    assert "1 of 2</strong> invites left this month, next one back on Jul 1, 2030" in page


def test_the_referrals_page_says_when_a_new_member_starts_inviting(app, make_user):
    make_user("ann", verified=True)
    client = app.test_client()
    login(client, "ann")
    page = client.get("/referrals").get_data(as_text=True)
    ready = (fetch("ann").created_at + timedelta(days=7)).strftime("%b %-d, %Y")
    assert f"starts letting friends in on {ready}" in page


@pytest.mark.parametrize("config_overrides", [{"REGISTRATION_MODE": "open", "MEMBER_INVITES_PER_MONTH": 1}])
def test_open_mode_counts_no_member_invites(app, make_user):
    make_user("ann", verified=False)
    code = code_of("ann")
    for name in ("bob", "cat", "dan"):
        assert register(app.test_client(), name, invite_code=code).status_code == 303
        assert referred_by(name) == "ann"
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(Referral.admitted))

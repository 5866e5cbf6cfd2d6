"""Invite-only sign-up: redemption is one conditional update in the sign-up transaction; uses,
expiry, revocation and a bound address are enforced; one invite per address."""

from __future__ import annotations

import weakref
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from app.extensions import db
from app.identity.models import User
from app.referrals import services
from app.referrals.models import Invite, InviteRedemption
from tests.referrals.conftest import fetch, referred_by, seasoned
from tests.support import register


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only"}


def mint(**options) -> str:
    (invite,) = services.mint_invites(**options)
    db.session.commit()
    return invite.code


def invite(code: str) -> Invite:
    db.session.expire_all()
    return db.session.scalar(sa.select(Invite).where(Invite.code == code))


def users() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def refused(answer, message: str) -> None:
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)


def test_invite_only_refuses_a_sign_up_without_a_code(client):
    refused(register(client, "ann"), "invite-only")
    assert users() == 0


def test_invite_only_refuses_an_unknown_code(client):
    refused(register(client, "ann", invite_code="ABCDEFGHJK"), "isn&#39;t valid")
    refused(register(client, "ann", invite_code="hello"), "isn&#39;t valid")
    assert users() == 0


def test_a_valid_invite_makes_the_account_and_takes_a_use(client):
    code = mint(uses=2)
    answer = register(client, "ann", invite_code=code.lower()[:5] + "-" + code[5:])
    assert answer.status_code == 303
    assert invite(code).uses_left == 1
    redemption = db.session.scalar(sa.select(InviteRedemption))
    assert redemption.user_id == fetch("ann").id and redemption.email == "ann@example.com"


def test_a_used_up_invite_is_refused(client, app):
    code = mint(uses=1)
    assert register(client, "ann", invite_code=code).status_code == 303
    refused(register(app.test_client(), "bob", invite_code=code), "used up")
    assert invite(code).uses_left == 0 and users() == 1


def test_a_referral_code_opens_invite_only_sign_up(client, make_user):
    make_user("ann")
    code = services.current_code(seasoned("ann"))
    db.session.commit()
    assert register(client, "cat", invite_code=code).status_code == 303
    assert referred_by("cat") == "ann"


def test_a_remembered_referral_opens_invite_only_sign_up(client, make_user):
    make_user("ann")
    code = services.current_code(seasoned("ann"))
    db.session.commit()
    client.get(f"/r/{code}")
    assert register(client, "cat", invite_code="").status_code == 303


def test_invites_expire_at_the_end_of_their_day(app):
    with time_machine.travel(datetime(2030, 5, 1, 12, tzinfo=UTC), tick=False):
        code = mint(uses=5, expires_on=date(2030, 5, 10))
    with time_machine.travel(datetime(2030, 5, 10, 23, 59, tzinfo=UTC), tick=False):
        assert register(app.test_client(), "ann", invite_code=code).status_code == 303
    with time_machine.travel(datetime(2030, 5, 11, 0, 0, 1, tzinfo=UTC), tick=False):
        refused(register(app.test_client(), "bob", invite_code=code), "expired")
        assert services.resolve(code).valid is False
    assert invite(code).uses_left == 4


def test_a_bound_invite_refuses_another_address(app):
    code = mint(uses=1, email="Ann@Example.com")
    refused(register(app.test_client(), "bob", invite_code=code), "different email address")
    assert invite(code).uses_left == 1
    assert register(app.test_client(), "ann", invite_code=code).status_code == 303
    assert invite(code).uses_left == 0


def test_a_revoked_invite_is_refused(app, make_user):
    admin = make_user("boss", admin=True)
    code = mint(uses=3)
    services.revoke_invite(admin, invite(code).id)
    db.session.commit()
    refused(register(app.test_client(), "ann", invite_code=code), "withdrawn")
    assert invite(code).uses_left == 3 and users() == 1


def test_one_invite_per_email(app, make_user):
    first, second = mint(uses=5), mint(uses=5)
    ann = make_user("ann", email="ann@example.com")
    assert services.redeem_invite(first, ann).id == invite(first).id
    ann.email = "ann.new@example.com"
    db.session.commit()
    # The address is free again as an account email, but it has had its invite.
    again = make_user("ann_again", email="ann@example.com")
    with pytest.raises(services.CodeRefused, match="already used an invite"):
        services.redeem_invite(second, again)
    db.session.rollback()
    assert invite(second).uses_left == 5


def test_a_refused_sign_up_leaves_no_trace(app):
    code = mint(uses=1, email="ann@example.com")
    refused(register(app.test_client(), "bob", invite_code=code), "different email address")
    assert users() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteRedemption)) == 0


def test_redeeming_twice_in_one_service_call_is_exact(app, make_user):
    code = mint(uses=1)
    ann, bob = make_user("ann"), make_user("bob")
    services.redeem_invite(code, ann)
    with pytest.raises(services.CodeRefused, match="used up"):
        services.redeem_invite(code, bob)


def test_the_invite_gate_is_a_call_that_answers(app, make_user):
    """Sign-up asks the gate and reads its answer; no ``user_registered`` listener of the
    referrals area can veto an account by raising."""
    from app.identity.signals import user_registered
    from app.referrals.attribution import admit_sign_up

    listeners = [ref() if isinstance(ref, weakref.ref) else ref for ref in user_registered.receivers.values()]
    assert listeners and not [f for f in listeners if f.__module__.startswith("app.referrals")]
    with app.test_request_context():
        ann = make_user("ann")
        assert "invite-only" in (admit_sign_up(ann, None) or "")
        assert "isn't valid" in (admit_sign_up(ann, "hello") or "")
        bob = make_user("bob")
        assert admit_sign_up(bob, mint(uses=1)) is None
        assert db.session.scalar(sa.select(InviteRedemption.user_id)) == bob.id


def test_a_refused_sign_up_reaches_no_listener(client):
    from app.identity.signals import user_registered

    heard: list[str] = []

    def listener(sender, user, **_):  # type: ignore[no-untyped-def]
        heard.append(user.username)

    user_registered.connect(listener)
    try:
        refused(register(client, "ann"), "invite-only")
        assert register(client, "bob", invite_code=mint(uses=1)).status_code == 303
    finally:
        user_registered.disconnect(listener)
    assert heard == ["bob"]

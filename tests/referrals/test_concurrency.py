"""Exact under concurrency on PostgreSQL: parallel redemptions never exceed an invite's uses,
parallel code mints never collide, a racing double mint leaves one current code."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity import services as identity
from app.identity.models import User
from app.referrals import services
from app.referrals.models import Invite, InviteRedemption, Referral, ReferralCode
from tests.factories import password_hash
from tests.referrals.conftest import seasoned
from tests.support import PASSWORD

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="concurrency is proven on PostgreSQL (TEST_DATABASE_URL)"
)
WORKERS = 16


def run_parallel(app, jobs, work):
    def one(job):
        # A request context of its own, as a web worker would have (mail templates need one).
        with app.test_request_context():
            try:
                return work(job)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(one, jobs))


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only"}


def sign_up(i: int, code: str) -> str:
    """Player ``i`` signs up with ``code``: "made", or "refused" when the gate says no."""
    try:
        result = identity.register(f"player{i}", f"player{i}@example.com", PASSWORD, code)
    except identity.SignUpRefused:
        db.session.rollback()
        return "refused"
    db.session.commit()
    return "made" if result.user is not None else "none"


def test_200_parallel_redemptions_of_a_10_use_invite_make_10_accounts(app):
    (invite,) = services.mint_invites(uses=10)
    db.session.commit()
    code = invite.code

    outcomes = run_parallel(app, range(200), lambda i: sign_up(i, code))
    assert outcomes.count("made") == 10 and outcomes.count("refused") == 190
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InviteRedemption)) == 10
    assert db.session.scalar(sa.select(Invite.uses_left).where(Invite.id == invite.id)) == 0


def test_1000_parallel_code_assignments_collide_zero_times(app, caplog):
    hashed = password_hash()
    db.session.execute(sa.insert(User), [
        {"username": f"user{i}", "email": f"user{i}@example.com", "password_hash": hashed,
         "session_token": f"{i:032x}"}
        for i in range(1000)
    ])
    db.session.commit()
    ids = db.session.scalars(sa.select(User.id)).all()

    def assign(user_id):
        code = services.current_code(db.session.get(User, user_id))
        db.session.commit()
        return code

    minted = run_parallel(app, ids, assign)
    assert len(set(minted)) == 1000
    assert not [r for r in caplog.records if "conflicted" in r.message]  # no mint had to retry
    db.session.expire_all()
    rows = db.session.execute(sa.select(ReferralCode.user_id, ReferralCode.code)).all()
    assert len(rows) == 1000 and len({code for _, code in rows}) == 1000
    assert {user_id for user_id, _ in rows} == set(ids)


def test_a_racing_double_mint_leaves_one_current_code(app, make_user):
    user_id = make_user("ann").id

    def assign(_):
        code = services.current_code(db.session.get(User, user_id))
        db.session.commit()
        return code

    minted = run_parallel(app, range(40), assign)
    assert len(set(minted)) == 1
    db.session.expire_all()
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(ReferralCode).where(ReferralCode.user_id == user_id)
    ) == 1


@pytest.fixture
def member_with_two_invites(app, make_user):
    make_user("ann")
    code = services.current_code(seasoned("ann"))
    db.session.commit()
    return code


@pytest.mark.parametrize(
    "config_overrides", [{"REGISTRATION_MODE": "invite_only", "MEMBER_INVITES_PER_MONTH": 2}]
)
def test_24_parallel_sign_ups_through_a_member_link_with_2_invites_make_2_accounts(
    app, member_with_two_invites
):
    code = member_with_two_invites

    outcomes = run_parallel(app, range(24), lambda i: sign_up(i, code))
    assert outcomes.count("made") == 2 and outcomes.count("refused") == 22
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Referral).where(Referral.admitted.is_(True))
    ) == 2

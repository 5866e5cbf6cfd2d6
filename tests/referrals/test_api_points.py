"""JSON routes (shapes, no-store, 401, rate limit) and points for verified referrals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.signals import email_verified
from app.referrals import services
from app.referrals.models import PointsEntry
from tests.referrals.conftest import fetch
from tests.support import link_in, login, register

KEYS = {"code", "valid", "kind", "referrer"}


def test_my_referral_link_shape(app, client, make_user):
    make_user("ann", verified=False)
    login(client, "ann")
    answer = client.get("/api/my-referral-link?user_id=999")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json
    assert set(body) == {"referral_url", "referral_code", "email_verified", "pending"}
    assert body["referral_url"] == f"http://fairway.test/r/{body['referral_code']}"
    assert body["email_verified"] is False and body["pending"] is False
    assert client.get("/api/my-referral-link").json == body


def test_my_referral_link_is_401_json_when_anonymous(client):
    answer = client.get("/api/my-referral-link")
    assert answer.status_code == 401
    assert answer.json == {"error": "unauthorized"}
    assert answer.headers["Cache-Control"] == "no-store"


def test_resolver_found_and_not_found_have_the_same_shape(app, client, make_user):
    code = services.current_code(make_user("ann"))
    (invite,) = services.mint_invites(uses=1)
    db.session.commit()
    answers = [
        client.get("/api/referral/resolve", query_string={"code": value})
        for value in (code.lower(), "NOTACODE42", invite.code, "", "x" * 5000)
    ]
    assert {a.status_code for a in answers} == {200}
    assert all(set(a.json) == KEYS for a in answers)
    assert all(a.headers["Cache-Control"] == "no-store" for a in answers)
    found, missing, inv, blank, long = (a.json for a in answers)
    assert found == {"code": code, "valid": True, "kind": "referral", "referrer": "ann"}
    assert missing == {"code": "NOTACODE42", "valid": False, "kind": None, "referrer": None}
    assert inv == {"code": invite.code, "valid": True, "kind": "invite", "referrer": None}
    assert blank == {"code": "", "valid": False, "kind": None, "referrer": None}
    assert long["valid"] is False and len(long["code"]) <= 64
    assert client.get("/api/referral/resolve").json == blank


class TestResolverRateLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_RESOLVE_IP": "3 per minute"}

    def test_the_resolver_is_rate_limited_per_ip(self, client):
        one = {"environ_overrides": {"REMOTE_ADDR": "198.51.100.1"}}
        for _ in range(3):
            assert client.get("/api/referral/resolve?code=ABC", **one).status_code == 200
        assert client.get("/api/referral/resolve?code=ABC", **one).status_code == 429
        other = {"environ_overrides": {"REMOTE_ADDR": "198.51.100.2"}}
        assert client.get("/api/referral/resolve?code=ABC", **other).status_code == 200


def ledger() -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [
        (fetch_name(row.user_id), row.source, row.points)
        for row in db.session.scalars(sa.select(PointsEntry).order_by(PointsEntry.id))
    ]


def fetch_name(user_id: int) -> str:
    from app.identity.models import User

    return db.session.get(User, user_id).username


def test_referrer_earns_points_when_the_invitee_verifies(app, client, make_user, mailbox, drain):
    code = services.current_code(make_user("ann"))
    db.session.commit()
    client.get(f"/r/{code}")
    assert register(client, "cat").status_code == 303
    drain()
    assert ledger() == []
    verify = link_in(mailbox.to("cat@example.com")[-1].body, "verify")
    assert client.get(verify).status_code == 302
    cat = fetch("cat")
    assert ledger() == [("ann", f"user:{cat.id}", services.VERIFIED_REFERRAL_POINTS)]
    assert services.stats_for(fetch("ann")).verified == 1


def test_points_are_awarded_once_when_the_event_is_delivered_twice(app, make_user):
    ann, cat = make_user("ann"), make_user("cat")
    services.record_referral(ann.id, cat, None)
    db.session.commit()
    email_verified.send(app, user=cat)
    email_verified.send(app, user=cat)
    db.session.commit()
    email_verified.send(app, user=cat)
    db.session.commit()
    assert ledger() == [("ann", f"user:{cat.id}", services.VERIFIED_REFERRAL_POINTS)]
    assert services.points_of(ann) == services.VERIFIED_REFERRAL_POINTS


def test_no_points_without_a_referrer(app, make_user):
    email_verified.send(app, user=make_user("cat"))
    db.session.commit()
    assert ledger() == []


def test_leaderboard_ranks_by_verified_sign_ups(app, client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    for name, referrer, verified in (("c1", ann, True), ("c2", ann, False), ("c3", bob, True),
                                     ("c4", bob, True), ("c5", bob, False)):
        invitee = make_user(name, verified=False)
        services.record_referral(referrer.id, invitee, None)
        if verified:
            invitee.email_verified_at = utcnow()
            email_verified.send(app, user=invitee)
    db.session.commit()
    rows = services.leaderboard()
    assert [(r.username, r.verified, r.sign_ups, r.points) for r in rows] == [
        ("bob", 2, 3, 2 * services.VERIFIED_REFERRAL_POINTS),
        ("ann", 1, 2, services.VERIFIED_REFERRAL_POINTS),
    ]
    page = client.get("/leaderboard").get_data(as_text=True)
    assert page.index(">bob<") < page.index(">ann<")

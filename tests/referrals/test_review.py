"""Held referrals: sign-ups through one referrer that cluster on one network or one browser
within the window, or a look-alike of the referrer's address, are held (no points) until an
admin approves; rejecting withholds (and reverses) the points; the leaderboard follows; no raw
address is stored."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.signals import email_verified
from app.referrals import services
from app.referrals.holds import canonical_address, network_of
from app.referrals.models import PointsEntry, Referral, ReferralSignal
from app.referrals.points import points_of
from tests.referrals.conftest import fetch
from tests.referrals.test_admin import audit  # noqa: F401  (fixture)
from tests.support import PASSWORD, login, logout, post


@pytest.fixture
def ann_code(make_user) -> str:
    make_user("ann", email="ann.smith@gmail.com")
    code = services.current_code(fetch("ann"))
    db.session.commit()
    return code


def sign_up(client, name: str, code: str, ip: str, email: str | None = None) -> None:
    data = {"username": name, "email": email or f"{name}@example.com", "password": PASSWORD,
            "invite_code": code}
    answer = post(client, "/register", data, token_from="/register", environ_base={"REMOTE_ADDR": ip})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    logout(client)


def held() -> dict[str, tuple[str | None, int, str | None]]:
    """Invitee username → (held signal, count in the window, decision) for every referral."""
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Referral.invitee_id, ReferralSignal.held_reason, ReferralSignal.held_count,
                  ReferralSignal.decision)
        .join(ReferralSignal, ReferralSignal.referral_id == Referral.id)
    ).all()
    from app.identity.models import User

    return {db.session.get(User, i).username: (r, c, d) for i, r, c, d in rows}


def verify(app, username: str) -> None:
    user = fetch(username)
    user.email_verified_at = utcnow()
    email_verified.send(app, user=user)
    db.session.commit()


def review_id(username: str) -> int:
    return fetch_referral(username).id


def fetch_referral(username: str) -> Referral:
    db.session.expire_all()
    return db.session.scalar(sa.select(Referral).where(Referral.invitee_id == fetch(username).id))


def decide(admin, username_or_id: str | int, action: str):
    rid = review_id(username_or_id) if isinstance(username_or_id, str) else username_or_id
    return post(admin, f"/admin/referrals/review/{rid}/{action}", token_from="/admin/referrals/review")


def leaders(client) -> str:
    return client.get("/leaderboard").get_data(as_text=True)


@pytest.mark.parametrize("ips", [
    ("203.0.113.5", "203.0.113.77", "203.0.113.200"),
    ("2001:db8:7:1::5", "2001:db8:7:ffff::9", "2001:db8:7::1"),
])
def test_three_sign_ups_from_one_network_are_held(app, ann_code, ips):
    for n, ip in enumerate(ips):
        sign_up(app.test_client(), f"net{n}", ann_code, ip)  # a fresh browser each time
    assert held() == {f"net{n}": ("network", 3, None) for n in range(3)}


def test_two_from_one_network_are_not_held(app, ann_code):
    for n, ip in enumerate(("198.51.100.1", "198.51.100.2", "198.51.101.3")):
        sign_up(app.test_client(), f"net{n}", ann_code, ip)
    assert {reason for reason, _, _ in held().values()} == {None}


def test_three_sign_ups_from_one_browser_are_held(app, ann_code):
    browser = app.test_client()
    for n, ip in enumerate(("192.0.2.1", "198.51.100.1", "203.0.113.1")):
        sign_up(browser, f"dev{n}", ann_code, ip)
    assert held() == {f"dev{n}": ("device", 3, None) for n in range(3)}
    assert browser.get_cookie("fw_device") is not None


def test_the_device_cookie_is_set_on_the_sign_up_page_and_kept(app):
    browser = app.test_client()
    browser.get("/register")
    first = browser.get_cookie("fw_device")
    assert first is not None and first.http_only
    browser.get("/register")
    assert browser.get_cookie("fw_device").value == first.value


def test_a_forged_device_cookie_is_replaced(app, ann_code):
    for n, ip in enumerate(("192.0.2.1", "198.51.100.1", "203.0.113.1")):
        browser = app.test_client()
        browser.set_cookie("fw_device", "same-forged-value")
        sign_up(browser, f"dev{n}", ann_code, ip)
    assert {reason for reason, _, _ in held().values()} == {None}


def test_sign_ups_outside_the_window_do_not_cluster(app, ann_code):
    for n, ip in enumerate(("203.0.113.5", "203.0.113.6")):
        sign_up(app.test_client(), f"old{n}", ann_code, ip)
    db.session.execute(sa.update(ReferralSignal).values(created_at=utcnow().replace(year=2020)))
    db.session.commit()
    sign_up(app.test_client(), "new0", ann_code, "203.0.113.7")
    assert {reason for reason, _, _ in held().values()} == {None}


@pytest.mark.parametrize("config_overrides", [{"REFERRAL_HOLD_CLUSTER": 2}])
def test_the_threshold_is_a_setting(app, ann_code):
    for n, ip in enumerate(("203.0.113.5", "203.0.113.6")):
        sign_up(app.test_client(), f"net{n}", ann_code, ip)
    assert held() == {"net0": ("network", 2, None), "net1": ("network", 2, None)}


@pytest.mark.parametrize("email", ["ann.smith+golf@gmail.com", "annsmith@googlemail.com",
                                   "A.N.N.S.M.I.T.H@gmail.com"])
def test_a_look_alike_address_is_held(app, ann_code, email):
    sign_up(app.test_client(), "alias", ann_code, "192.0.2.9", email=email)
    assert held() == {"alias": ("lookalike", 1, None)}


def test_dots_count_outside_gmail_and_other_addresses_pass(app, make_user):
    assert canonical_address("Ann.Smith+x@Example.com") == "ann.smith@example.com"
    assert canonical_address("a.b@example.com") != canonical_address("ab@example.com")
    assert network_of("203.0.113.77") == "203.0.113.0/24"
    assert network_of("2001:db8:7:ffff::9") == "2001:db8:7::/48"
    assert network_of("::ffff:203.0.113.77") == "203.0.113.0/24"
    assert network_of("unknown") is None


def test_no_raw_address_is_stored(app, ann_code):
    for n, ip in enumerate(("203.0.113.5", "203.0.113.77", "2001:db8:7:1::5")):
        sign_up(app.test_client(), f"net{n}", ann_code, ip)
    dump = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            dump.extend(str(tuple(row)) for row in conn.execute(sa.select(table)))
    text = "\n".join(dump)
    assert "203.0.113" not in text and "2001:db8" not in text
    assert db.session.scalar(sa.select(sa.func.count()).where(ReferralSignal.network_hash.is_not(None))) == 3


@pytest.fixture
def cluster(app, ann_code):
    """Three sign-ups through ann from one network; the first is verified before the third
    arrives (and earns ann points then), the others after."""
    sign_up(app.test_client(), "net0", ann_code, "203.0.113.5")
    verify(app, "net0")
    assert points_of(fetch("ann")) == 10
    for n in (1, 2):
        sign_up(app.test_client(), f"net{n}", ann_code, f"203.0.113.{n + 5}")
    verify(app, "net1")
    assert set(held().values()) == {("network", 3, None)}


def test_held_referrals_earn_nothing_and_do_not_count(app, client, cluster):
    assert points_of(fetch("ann")) == 10  # net1 verified while held: nothing more
    assert "ann" not in leaders(client)


def test_the_review_page_lists_the_evidence(admin, cluster):
    page = admin.get("/admin/referrals/review")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in ("net0", "net1", "net2"):
        assert name in text
    assert "sign-ups from one network" in text and "3 sign-ups" in text
    assert "203.0.113" not in text
    hashes = db.session.scalars(sa.select(ReferralSignal.network_hash))
    assert all(value not in text for value in hashes)
    assert 'href="/admin/referrals/review"' in admin.get("/admin/referrals").get_data(as_text=True)


def test_approve_awards_and_the_leaderboard_follows(app, admin, client, cluster, audit):  # noqa: F811
    assert decide(admin, "net1", "approve").status_code == 303
    assert points_of(fetch("ann")) == 20
    assert held()["net1"] == ("network", 3, "approved")
    assert "ann" in leaders(client)
    assert audit[-1]["action"] == "referrals.approve"
    assert audit[-1]["target"] == f"referral:{review_id('net1')}"
    # an unverified invitee: approved now, paid when verified
    assert decide(admin, "net2", "approve").status_code == 303
    assert points_of(fetch("ann")) == 20
    verify(app, "net2")
    assert points_of(fetch("ann")) == 30


def test_approving_twice_is_a_no_op(admin, cluster, audit):  # noqa: F811
    decide(admin, "net1", "approve")
    assert decide(admin, "net1", "approve").status_code == 303
    assert decide(admin, "net1", "reject").status_code == 303
    assert points_of(fetch("ann")) == 20
    assert held()["net1"][2] == "approved"
    assert [e["action"] for e in audit] == ["referrals.approve"]


def test_reject_withholds_and_reverses(app, admin, client, cluster, audit):  # noqa: F811
    assert decide(admin, "net0", "reject").status_code == 303  # paid before the hold
    assert decide(admin, "net2", "reject").status_code == 303  # not yet verified
    assert points_of(fetch("ann")) == 0
    reversal = db.session.scalars(sa.select(PointsEntry).where(PointsEntry.points < 0)).one()
    assert (reversal.event, reversal.points) == ("referral_rejected", -10)
    assert audit[0]["action"] == "referrals.reject" and "reversed=10" in audit[0]["detail"]
    verify(app, "net2")
    assert points_of(fetch("ann")) == 0
    assert decide(admin, "net0", "reject").status_code == 303  # twice: no second reversal
    assert points_of(fetch("ann")) == 0 and len(audit) == 2
    decide(admin, "net1", "approve")
    assert points_of(fetch("ann")) == 10
    board = leaders(client)
    assert "ann" in board
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 3


@pytest.mark.parametrize("path", ["/admin/referrals/review", "/admin/referrals/review/1/approve",
                                  "/admin/referrals/review/1/reject"])
def test_players_get_403(app, make_user, cluster, path):
    make_user("joe")
    player = app.test_client()
    login(player, "joe")
    if path.endswith("review"):
        assert player.get(path).status_code == 403
    else:
        assert post(player, path, token_from="/settings").status_code == 403
    assert set(held().values()) == {("network", 3, None)}


def test_anonymous_visitors_are_sent_to_login(client):
    answer = client.get("/admin/referrals/review")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_unknown_and_unheld_ids_are_404(app, admin, ann_code, action):
    sign_up(app.test_client(), "calm", ann_code, "192.0.2.1")  # a referral that is not held
    for rid in (review_id("calm"), 999_999, 2**31, 10**30):
        assert decide(admin, rid, action).status_code == 404
    assert admin.post(f"/admin/referrals/review/abc/{action}").status_code in (400, 404)

"""Codes from sign-up on, first click wins, referred_by written once, rotation keeps old links."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.identity import services as identity
from app.referrals import clicks, memory, services
from app.referrals.models import Referral, ReferralClick, ReferralCode
from tests.referrals.conftest import fetch, referred_by
from tests.support import PASSWORD, login, post, register


def code_of(username: str) -> str:
    return services.current_code(fetch(username))


def follow_link_of(client, username: str) -> str:  # type: ignore[no-untyped-def]
    """``client`` follows ``username``'s referral link; returns the code."""
    code = code_of(username)
    db.session.commit()
    assert client.get(f"/r/{code}").status_code == 303
    return code


def test_sign_up_assigns_a_code_in_the_same_transaction(client):
    assert register(client, "ann").status_code == 303
    rows = db.session.scalars(sa.select(ReferralCode).where(ReferralCode.user_id == fetch("ann").id)).all()
    assert len(rows) == 1 and rows[0].code and rows[0].retired_at is None


def test_admins_made_by_the_cli_get_a_code(runner):
    result = runner.invoke(args=["users", "create-admin", "boss", "boss@example.com", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(ReferralCode.code).where(ReferralCode.user_id == fetch("boss").id))


def test_assignment_is_idempotent(app, make_user):
    user = make_user("ann")
    first = services.assign_code(user)
    assert services.assign_code(user).id == first.id
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralCode)) == 1


def test_a_click_is_remembered_counted_and_sent_to_sign_up(app, client, make_user):
    code = code_of(make_user("ann").username)
    db.session.commit()
    answer = client.get(f"/r/{code.lower()}", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/register?code={code}"
    clicks.flush_clicks()  # the web process buffers clicks; the worker moves them at its tick
    rows = db.session.scalars(sa.select(ReferralClick)).all()
    assert len(rows) == 1
    assert "203.0.113.9" not in rows[0].ip_hash and len(rows[0].ip_hash) == 32
    assert f'value="{code}"' in client.get("/register").get_data(as_text=True)


def test_unknown_codes_answer_the_same_way(client):
    answer = client.get("/r/nope-nope-42")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/register?code=NOPENOPE42"
    clicks.flush_clicks()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralClick)) == 0
    assert client.get_cookie(memory.COOKIE) is None


def test_first_click_wins_across_two_links(app, client, make_user):
    first, second = code_of(make_user("ann").username), code_of(make_user("bob").username)
    db.session.commit()
    client.get(f"/r/{first}")
    client.get(f"/r/{second}")
    assert client.get_cookie(memory.COOKIE).value.startswith(first + ".")  # signed
    assert f'value="{first}"' in client.get("/register").get_data(as_text=True)
    # Even if the visitor types the second code, the first referral is the one kept.
    assert register(client, "cat", invite_code=second).status_code == 303
    assert referred_by("cat") == "ann"


def test_the_remembered_referral_counts_when_the_field_is_blank(app, client, make_user):
    follow_link_of(client, make_user("ann").username)
    assert register(client, "cat", invite_code="").status_code == 303
    assert referred_by("cat") == "ann"
    assert client.get_cookie(memory.COOKIE) is None  # the memory ends with the sign-up


def test_a_typed_referral_code_counts_without_a_click(app, client, make_user):
    code = code_of(make_user("ann").username)
    db.session.commit()
    assert register(client, "cat", invite_code=f" {code[:4].lower()}-{code[4:]} ").status_code == 303
    assert referred_by("cat") == "ann"


def test_a_signed_in_click_changes_nothing(app, client, make_user):
    ann = make_user("ann")
    code = code_of("ann")
    other = code_of(make_user("bob").username)
    db.session.commit()
    login(client, "ann")
    for target in (code, other):
        answer = client.get(f"/r/{target}")
        # The same answer as for anyone (the contract's), and /register sends a member home.
        assert answer.status_code == 303 and answer.headers["Location"] == f"/register?code={target}"
    assert client.get_cookie(memory.COOKIE) is None
    clicks.flush_clicks()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralClick)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0
    assert ann.id


def test_referred_by_is_written_once(app, make_user):
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    assert services.record_referral(ann.id, cat, None) is True
    assert services.record_referral(bob.id, cat, None) is False
    assert services.record_referral(cat.id, cat, None) is False
    db.session.commit()
    assert referred_by("cat") == "ann"


def test_rotation_keeps_old_links(app, client, make_user):
    make_user("ann")
    login(client, "ann")
    old = client.get("/api/my-referral-link").json["referral_code"]
    answer = post(client, "/referrals/rotate", token_from="/referrals")
    assert answer.status_code == 303
    new = client.get("/api/my-referral-link").json["referral_code"]
    assert new != old
    visitor = app.test_client()
    for code in (old, new):
        assert visitor.get("/api/referral/resolve", query_string={"code": code}).json["referrer"] == "ann"
    visitor.get(f"/r/{old}")
    assert register(visitor, "cat").status_code == 303
    assert referred_by("cat") == "ann"


def test_rotate_needs_login_and_csrf(client, make_user):
    anonymous = post(client, "/referrals/rotate")  # a valid CSRF token: only the sign-in is missing
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login?next=")
    make_user("ann")
    login(client, "ann")
    assert client.post("/referrals/rotate").status_code == 400


def test_a_deactivated_referrers_code_resolves_to_nothing(app, make_user):
    ann = make_user("ann")
    code = services.current_code(ann)
    identity.deactivate(ann)
    db.session.commit()
    assert services.resolve(code).valid is False


def test_my_referrals_page_shows_link_qr_counts_and_people(app, client, make_user):
    make_user("ann")
    code = code_of("ann")
    db.session.commit()
    visitor = app.test_client()
    visitor.get(f"/r/{code}")
    register(visitor, "cat")
    other = app.test_client()
    other.get(f"/r/{code}")
    login(client, "ann")
    page = client.get("/referrals").get_data(as_text=True)
    assert f"http://fairway.test/r/{code}" in page
    assert 'src="data:image/svg+xml' in page
    assert 'id="copy-referral"' in page
    assert '<dd id="stat-clicks">2</dd>' in page
    assert '<dd id="stat-sign-ups">1</dd>' in page
    assert '<dd id="stat-verified">0</dd>' in page
    assert ">cat</a>" in page


def test_my_referrals_page_needs_login(client):
    answer = client.get("/referrals")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")


def test_the_memory_survives_a_refused_sign_up(app, client, make_user):
    follow_link_of(client, make_user("ann").username)
    assert register(client, "cat", invite_code="NOT-A-CODE").status_code == 422
    assert client.get_cookie(memory.COOKIE) is not None
    assert register(client, "cat").status_code == 303
    assert referred_by("cat") == "ann"


def test_signing_out_ends_the_memory(app, client, make_user):
    make_user("bob")
    follow_link_of(client, make_user("ann").username)
    login(client, "bob")
    assert client.get_cookie(memory.COOKIE) is not None
    assert post(client, "/logout", token_from="/").status_code == 303
    assert client.get_cookie(memory.COOKIE) is None


def test_a_forged_memory_is_ignored(app, client, make_user):
    code = code_of(make_user("ann").username)
    db.session.commit()
    client.set_cookie(memory.COOKIE, f"{code}.forged-signature")
    assert register(client, "cat").status_code == 303
    assert referred_by("cat") is None


def test_the_memory_cookie_is_http_only_and_same_site(app, client, make_user):
    code = code_of(make_user("ann").username)
    db.session.commit()
    header = client.get(f"/r/{code}").headers["Set-Cookie"]
    assert header.startswith(memory.COOKIE + "=") and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Expires" not in header and "Max-Age" not in header  # gone when the browser closes


def test_a_deactivated_players_link_stops_counting_at_once(app, make_user):
    ann = make_user("ann")
    code = code_of("ann")
    db.session.commit()
    visitor = app.test_client()
    visitor.get(f"/r/{code}")  # the link is now in this process's cache
    identity.deactivate(ann)
    db.session.commit()
    late = app.test_client()
    late.get(f"/r/{code}")
    assert late.get_cookie(memory.COOKIE) is None
    assert clicks.buffered([services.link_target(code).code_id or 0]) == 0
    clicks.flush_clicks()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralClick)) == 1


def test_a_reactivated_players_link_works_at_once(app, make_user):
    ann = make_user("ann")
    code = code_of("ann")
    identity.deactivate(ann)
    db.session.commit()
    app.test_client().get(f"/r/{code}")  # unknown codes are not cached
    identity.reactivate(ann)
    db.session.commit()
    visitor = app.test_client()
    visitor.get(f"/r/{code}")
    assert visitor.get_cookie(memory.COOKIE) is not None
    assert services.stats_for(ann).clicks == 1

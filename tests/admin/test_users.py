"""The user list and the user actions: search, pagination, status and referral columns; reset,
deactivate and reactivate, each ending sessions where it should and writing the audit log."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.identity.models import LoginAttempt
from app.outbox.models import OutboxMail
from app.referrals import services as referrals
from tests.admin.conftest import audit_rows, fetch
from tests.support import PASSWORD, link_in, login, post


@pytest.fixture
def config_overrides():
    return {"ADMIN_PAGE_SIZE": 3}


def login_outcomes(username: str) -> list[str]:
    user_id = fetch(username).id
    query = sa.select(LoginAttempt.outcome).where(LoginAttempt.user_id == user_id).order_by(LoginAttempt.id)
    return list(db.session.scalars(query))


def usernames(page: str) -> list[str]:
    return re.findall(r'<tr id="user-\d+" class="user-\w+">\s*<td[^>]*><strong>(\w+)</strong>', page)


def row_of(page: str, username: str) -> str:
    match = re.search(rf'<tr id="user-\d+"[^>]*>\s*<td[^>]*><strong>{username}</strong>.*?</tr>', page, re.S)
    assert match, f"no row for {username}"
    return match.group(0)


# --- the list ---------------------------------------------------------------------------------


def test_each_row_shows_status_dates_and_referrals(admin, make_user):
    ann = make_user("ann", created_at=datetime(2026, 3, 1, 9, 0), last_login_at=datetime(2026, 3, 2, 8, 15))
    bob = make_user("bob", verified=False)
    cat = make_user("cat", deactivated_at=datetime(2026, 4, 1))
    referrals.record_referral(ann.id, bob, None)
    referrals.record_referral(ann.id, cat, None)
    db.session.commit()

    def row(name: str) -> str:
        return row_of(admin.get(f"/admin/users?q={name}").get_data(as_text=True), name)

    ann_row, bob_row, cat_row = row("ann"), row("bob"), row("cat")
    assert "verified" in ann_row and "Mar 1, 2026" in ann_row
    assert re.search(r"Mon Mar 2( 2026)?, 8:15 AM UTC", ann_row)  # the admin has no zone: UTC
    assert re.search(r"<td[^>]*>—</td>\s*<td[^>]*>2</td>", ann_row)  # referred by nobody, referred two
    assert "unverified" in bob_row and "never" in bob_row
    assert re.search(r"<td[^>]*>ann</td>\s*<td[^>]*>0</td>", bob_row)
    assert "deactivated" in cat_row and "Reactivate" in cat_row and "Deactivate" not in cat_row
    assert "Reset password" in ann_row and "Deactivate" in ann_row
    # No self-deactivation button on the admin's own row.
    assert "Deactivate" not in row("boss")


def test_search_by_username_or_email(admin, make_user):
    make_user("ann", email="annie@club.example")
    make_user("bob", email="robert@other.example")
    make_user("ann_b", email="b@other.example")
    assert sorted(usernames(admin.get("/admin/users?q=ANN").get_data(as_text=True))) == ["ann", "ann_b"]
    assert usernames(admin.get("/admin/users?q=club.example").get_data(as_text=True)) == ["ann"]
    assert sorted(usernames(admin.get("/admin/users?q=other").get_data(as_text=True))) == ["ann_b", "bob"]
    # LIKE wildcards are matched literally.
    assert usernames(admin.get("/admin/users?q=_").get_data(as_text=True)) == ["ann_b"]
    assert usernames(admin.get("/admin/users?q=%25").get_data(as_text=True)) == []
    assert "No accounts match." in admin.get("/admin/users?q=nobody").get_data(as_text=True)


def test_pages_newest_first(admin, make_user):
    for day, name in enumerate(["u1", "u2", "u3", "u4", "u5", "u6"], start=1):
        make_user(name, created_at=datetime(2026, 5, day))
    first = admin.get("/admin/users?q=u").get_data(as_text=True)
    assert usernames(first) == ["u6", "u5", "u4"]
    assert "Page 1 of 2" in first and "/admin/users?q=u&amp;page=2" in first
    second = admin.get("/admin/users?q=u&page=2").get_data(as_text=True)
    assert usernames(second) == ["u3", "u2", "u1"] and "page=1" in second
    assert usernames(admin.get("/admin/users?q=u&page=9").get_data(as_text=True)) == []


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=-1", "page=1000001", "q=" + "x" * 255])
def test_bad_list_parameters_are_422(admin, query):
    answer = admin.get(f"/admin/users?{query}")
    assert answer.status_code == 422
    assert 'class="error"' in answer.get_data(as_text=True)


def test_the_list_costs_the_same_queries_for_more_rows(app, admin, make_user):
    """Referrer and referral count come in batches, not one query per row."""
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    def queries() -> int:
        counted.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert admin.get("/admin/users").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    ann = make_user("ann")
    few = queries()
    for name in ("bob", "cat"):
        referrals.record_referral(ann.id, make_user(name), None)
    db.session.commit()
    assert queries() == few


# --- reset ------------------------------------------------------------------------------------


def test_reset_retires_the_password_mails_a_working_link_and_ends_sessions(
    app, admin, make_user, mailbox, drain
):
    ann = make_user("ann")
    old_hash = ann.password_hash
    victim = app.test_client()
    login(victim, "ann")
    assert victim.get("/settings").status_code == 200

    answer = post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users")
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/users?q=ann"
    page = admin.get("/admin/users?q=ann").get_data(as_text=True)
    assert "ann&#39;s password no longer works" in page and "mailed a reset link" in page
    assert audit_rows() == [("boss", "user.reset_password", f"user:{ann.id}", "mail=reset")]
    # Every session is gone, and the old password no longer signs in: only the link helps now.
    assert victim.get("/settings").status_code == 302
    assert fetch("ann").password_hash != old_hash
    refused = login(app.test_client(), "ann", PASSWORD)
    assert refused.status_code == 422
    assert login_outcomes("ann") == ["success", "bad_password"]

    drain()
    (mail,) = mailbox.to("ann@example.com")
    assert mail.subject == "An administrator reset your Fairway password"
    assert "A Fairway administrator has reset the password" in mail.body
    assert "Your old password no longer works" in mail.body
    assert "Someone asked" not in mail.body and "ignore this mail" not in mail.body
    assert db.session.scalar(sa.select(OutboxMail.status).where(OutboxMail.kind == "reset")) == "sent"
    link = link_in(mail.body, "reset")
    owner = app.test_client()
    assert owner.get(link).status_code == 200
    assert post(owner, link, {"password": "a-brand-new-passphrase"}, token_from=link).status_code == 303
    assert login(owner, "ann", "a-brand-new-passphrase").status_code == 303
    assert login(app.test_client(), "ann", PASSWORD).status_code == 422


def test_a_reset_link_asked_for_before_the_admin_reset_dies_with_the_password(
    app, admin, make_user, mailbox, drain
):
    ann = make_user("ann")
    asked = post(app.test_client(), "/reset", {"email": "ann@example.com"}, token_from="/reset")
    assert asked.status_code == 303
    drain()
    (own,) = mailbox.to("ann@example.com")
    assert "Someone asked" in own.body  # the owner's own request still reads as before
    assert post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users").status_code == 303
    assert app.test_client().get(link_in(own.body, "reset")).status_code == 400
    drain()
    admins = mailbox.to("ann@example.com")[-1]
    assert app.test_client().get(link_in(admins.body, "reset")).status_code == 200


def test_reset_of_an_unverified_account_mails_a_verification_link(app, admin, make_user, mailbox, drain):
    ann = make_user("ann", verified=False)
    answer = post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users")
    assert answer.status_code == 303
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert "ann&#39;s password no longer works" in page and "confirmation link" in page
    assert login(app.test_client(), "ann", PASSWORD).status_code == 422
    drain()
    (mail,) = mailbox.to("ann@example.com")
    assert mail.subject == "Confirm your email for Fairway"
    assert "A Fairway administrator has reset the password" in mail.body
    assert "didn't sign up" not in mail.body
    assert app.test_client().get(link_in(mail.body, "verify")).status_code == 302
    assert fetch("ann").email_verified
    assert audit_rows() == [("boss", "user.reset_password", f"user:{ann.id}", "mail=verify")]
    # Once confirmed, the owner asks for a reset like anyone else.
    asked = post(app.test_client(), "/reset", {"email": "ann@example.com"}, token_from="/reset")
    assert asked.status_code == 303
    drain()
    reset = mailbox.to("ann@example.com")[-1]
    owner = app.test_client()
    link = link_in(reset.body, "reset")
    assert post(owner, link, {"password": "a-brand-new-passphrase"}, token_from=link).status_code == 303
    assert login(owner, "ann", "a-brand-new-passphrase").status_code == 303


def test_reset_of_a_deactivated_account_is_refused(admin, make_user, mailbox, drain):
    ann = make_user("ann", deactivated_at=datetime(2026, 1, 1))
    answer = post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users")
    assert answer.status_code == 409
    assert "reactivate it first" in answer.get_data(as_text=True)
    drain()
    assert mailbox.messages == [] and audit_rows() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


@pytest.mark.parametrize("action", ["reset-password", "deactivate", "reactivate"])
def test_actions_on_an_unknown_user_are_404(admin, action):
    assert post(admin, f"/admin/users/999/{action}", token_from="/admin/users").status_code == 404
    assert audit_rows() == []


# --- deactivate and reactivate -----------------------------------------------------------------


def test_deactivation_ends_a_live_session(app, admin, make_user):
    ann = make_user("ann")
    victim = app.test_client()
    login(victim, "ann", remember="y")
    assert victim.get("/settings").status_code == 200

    answer = post(admin, f"/admin/users/{ann.id}/deactivate", token_from="/admin/users")
    assert answer.status_code == 303
    assert not fetch("ann").is_active
    # The next request of the other browser finds itself signed out, remember cookie or not.
    after = victim.get("/settings")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert login(app.test_client(), "ann").status_code == 422
    assert audit_rows() == [("boss", "user.deactivate", f"user:{ann.id}", "was=verified")]
    page = admin.get("/admin/users?q=ann").get_data(as_text=True)
    assert "is deactivated" in page and "deactivated" in row_of(page, "ann")


def test_reactivation_lets_the_user_back_in(app, admin, make_user):
    ann = make_user("ann", verified=False, deactivated_at=datetime(2026, 1, 1))
    answer = post(admin, f"/admin/users/{ann.id}/reactivate", token_from="/admin/users")
    assert answer.status_code == 303
    assert fetch("ann").is_active
    assert login(app.test_client(), "ann").status_code == 303
    assert audit_rows() == [("boss", "user.reactivate", f"user:{ann.id}", "was=deactivated")]


def test_an_admin_cannot_deactivate_themselves(admin, boss):
    answer = post(admin, f"/admin/users/{boss.id}/deactivate", token_from="/admin/users")
    assert answer.status_code == 409
    assert "You can&#39;t deactivate your own account." in answer.get_data(as_text=True)
    assert fetch("boss").is_active and audit_rows() == []
    assert admin.get("/admin/users").status_code == 200


def test_an_admin_may_deactivate_another_admin(admin, make_user):
    chief = make_user("chief", admin=True)
    assert post(admin, f"/admin/users/{chief.id}/deactivate", token_from="/admin/users").status_code == 303
    assert not fetch("chief").is_active

"""Every admin route: anonymous visitors go to the login page, signed-in non-admins get 403,
a POST without its CSRF token gets 400, and none of them changes anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.outbox.models import OutboxMail
from app.referrals import services as referrals
from app.referrals.models import Invite, WaitlistEntry
from tests.admin.conftest import audit_rows, fetch
from tests.support import csrf, login, post

PAGES = [
    "/admin", "/admin/users", "/admin/logins", "/admin/jobs", "/admin/audit",
    "/admin/invites", "/admin/referrals", "/admin/waitlist",
]
ACTIONS = [
    ("/admin/users/{user}/reset-password", {}),
    ("/admin/users/{user}/deactivate", {}),
    ("/admin/users/{user}/reactivate", {}),
    ("/admin/invites", {"uses": "1", "count": "1"}),
    ("/admin/invites/{invite}/revoke", {}),
    ("/admin/waitlist/{entry}/invite", {}),
    ("/admin/jobs/{mail}/retry", {}),
]
ACTION_IDS = [path.split("/")[2] + ":" + path.rsplit("/", 1)[-1] for path, _ in ACTIONS]


@pytest.fixture
def targets(app, make_user) -> dict[str, int]:
    """Something for every action to act on: an account, an invite, a waitlist entry, a failed mail."""
    ann = make_user("ann")
    (invite,) = referrals.mint_invites(uses=2)
    entry = WaitlistEntry(email="wait@example.com")
    mail = OutboxMail(kind="verify", recipient="ann@example.com", subject="s", body="b", status="failed",
                      attempts=6, last_error="SMTPServerDisconnected: gone")
    db.session.add_all([entry, mail])
    db.session.commit()
    return {"user": ann.id, "invite": invite.id, "entry": entry.id, "mail": mail.id}


def state() -> tuple:
    """What an admin action could change, to show that a refused one changed nothing."""
    db.session.expire_all()
    ann = fetch("ann")
    return (
        ann.is_active, ann.session_token,
        db.session.scalar(sa.select(sa.func.count()).select_from(Invite)),
        db.session.scalar(sa.select(Invite.revoked_at)),
        db.session.scalar(sa.select(WaitlistEntry.invited_at)),
        db.session.scalar(sa.select(OutboxMail.status).where(OutboxMail.kind == "verify")),
        db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)),
        audit_rows(),
    )


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_go_to_the_login_page(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_forbidden_to_non_admins(client, make_user, path):
    make_user("ann")
    login(client, "ann")
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_pages_open_for_admins(admin, path):
    answer = admin.get(path, follow_redirects=True)
    assert answer.status_code == 200
    assert 'aria-label="Admin"' in answer.get_data(as_text=True)


def test_admin_home_redirects_to_users(admin):
    answer = admin.get("/admin")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/users"


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_anonymous_actions_go_to_the_login_page(client, targets, path, data):
    before = state()
    answer = post(client, path.format(**targets), data)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    assert state() == before


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_actions_are_forbidden_to_non_admins(app, targets, make_user, path, data):
    make_user("mallory")
    client = app.test_client()
    login(client, "mallory")
    before = state()
    assert post(client, path.format(**targets), data, token_from="/settings").status_code == 403
    assert state() == before


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
@pytest.mark.parametrize("token", [None, "forged", "other-session"])
def test_actions_without_a_valid_csrf_token_are_refused(app, admin, targets, path, data, token):
    form = dict(data)
    if token == "other-session":
        form["csrf_token"] = csrf(app.test_client())
    elif token is not None:
        form["csrf_token"] = token
    before = state()
    answer = admin.post(path.format(**targets), data=form)
    assert answer.status_code == 400
    assert state() == before


def test_a_deactivated_admin_loses_the_console(app, admin, make_user):
    other = app.test_client()
    make_user("chief", admin=True)
    login(other, "chief")
    boss = fetch("boss")
    assert post(other, f"/admin/users/{boss.id}/deactivate", token_from="/admin/users").status_code == 303
    answer = admin.get("/admin/users")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert login(admin, "boss").status_code == 422

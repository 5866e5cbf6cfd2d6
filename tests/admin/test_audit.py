"""The audit log: every admin action, including those of the referrals area's pages, leaves a
row in the same transaction; /admin/audit shows them newest first, a page at a time."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.admin.models import AuditEntry
from app.core.signals import admin_action
from app.extensions import db
from app.referrals import services as referrals
from app.referrals.models import Invite, WaitlistEntry
from tests.admin.conftest import audit_rows, fetch
from tests.support import post


@pytest.fixture
def config_overrides():
    return {"ADMIN_PAGE_SIZE": 3, "REGISTRATION_MODE": "invite_only"}


def entries(page: str) -> list[tuple[str, str]]:
    """(action, whom) of each audit row on the page, top to bottom."""
    cell = r"<td[^>]*>"
    row = rf'<tr id="audit-\d+">\s*{cell}[^<]+</td>\s*{cell}\w+</td>\s*{cell}([\w.]+)</td>\s*{cell}(.*?)</td>'
    return re.findall(row, page, re.S)


def test_invite_actions_write_audit_rows(admin, mailbox, drain):
    assert post(admin, "/admin/invites", {"uses": "2", "count": "3", "note": "club"},
                token_from="/admin/invites").status_code == 303
    made = list(db.session.scalars(sa.select(Invite).order_by(Invite.id)))
    assert post(admin, f"/admin/invites/{made[0].id}/revoke", token_from="/admin/invites").status_code == 303
    entry = WaitlistEntry(email="wait@example.com")
    db.session.add(entry)
    db.session.commit()
    assert post(admin, f"/admin/waitlist/{entry.id}/invite", token_from="/admin/waitlist").status_code == 303
    drain()
    assert len(mailbox.to("wait@example.com")) == 1
    rows = audit_rows()
    assert [row[:3] for row in rows] == [
        ("boss", "invite.create", f"invite:{made[0].id}-{made[-1].id}"),
        ("boss", "invite.revoke", f"invite:{made[0].id}"),
        ("boss", "waitlist.invite", f"waitlist:{entry.id}"),
    ]
    assert rows[0][3] == "count=3 uses=2 expires=-"
    assert "wait@example.com" not in rows[2][3]
    assert db.session.scalar(sa.select(AuditEntry.actor_id).limit(1)) == fetch("boss").id


def test_a_refused_action_leaves_no_audit_row(admin):
    """The row is written in the action's transaction: a failed request rolls both back."""
    refused = post(admin, "/admin/invites", {"uses": "0", "count": "1"}, token_from="/admin/invites")
    assert refused.status_code == 422
    assert post(admin, "/admin/invites/999/revoke", token_from="/admin/invites").status_code == 404
    assert audit_rows() == []


def test_an_action_and_its_row_commit_together(app, admin, boss):
    """A listener that breaks after the audit row is written takes the action down with it."""
    (invite,) = referrals.mint_invites(uses=1)
    db.session.commit()

    def explode(sender, **kwargs):
        raise RuntimeError("after the audit row")

    admin_action.connect(explode)
    try:
        answer = post(admin, f"/admin/invites/{invite.id}/revoke", token_from="/admin/invites")
    finally:
        admin_action.disconnect(explode)
    assert answer.status_code == 500
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).revoked_at is None and audit_rows() == []


def test_the_audit_page_newest_first_and_paginated(admin, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    for path in (f"/admin/users/{ann.id}/deactivate", f"/admin/users/{ann.id}/reactivate",
                 f"/admin/users/{bob.id}/deactivate", f"/admin/users/{bob.id}/reset-password"):
        post(admin, path, token_from="/admin/users")
    rows = audit_rows()
    assert len(rows) == 3  # resetting a deactivated account is refused
    first = admin.get("/admin/audit").get_data(as_text=True)
    found = entries(first)
    assert [action for action, _ in found] == ["user.deactivate", "user.reactivate", "user.deactivate"]
    # "Whom" names the account and links to it.
    assert '<a href="/admin/users?q=bob">bob</a>' in found[0][1] and f"user:{bob.id}" in found[0][1]
    assert "was=verified" in first and "boss" in first

    for _ in range(2):
        post(admin, f"/admin/users/{ann.id}/reset-password", token_from="/admin/users")
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert [a for a, _ in entries(first)] == ["user.reset_password", "user.reset_password", "user.deactivate"]
    assert "Page 1 of 2" in first and "/admin/audit?page=2" in first
    second = admin.get("/admin/audit?page=2").get_data(as_text=True)
    assert [a for a, _ in entries(second)] == ["user.reactivate", "user.deactivate"]


def test_the_audit_page_keeps_the_name_the_actor_had(admin, make_user, boss):
    ann = make_user("ann")
    post(admin, f"/admin/users/{ann.id}/deactivate", token_from="/admin/users")
    boss = fetch("boss")
    boss.username = "chief"
    db.session.commit()
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"<td[^>]*>boss</td>\s*<td[^>]*>user.deactivate</td>", page)


@pytest.mark.parametrize("query", ["page=0", "page=two"])
def test_bad_pages_are_422(admin, query):
    assert admin.get(f"/admin/audit?{query}").status_code == 422


def test_an_empty_log(admin):
    assert "No admin actions yet." in admin.get("/admin/audit").get_data(as_text=True)

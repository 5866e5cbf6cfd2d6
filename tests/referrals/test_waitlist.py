"""The waitlist, reachable and honest: / and /register link to it in invite-only mode; joining
shows (and mails) the place in line; an admin invites the next N in one action."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.referrals.models import Invite, WaitlistEntry
from tests.support import login, post


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only"}


def join(client, email: str):
    return post(client, "/waitlist", {"email": email}, token_from="/waitlist")


@pytest.mark.parametrize("path", ["/", "/register"])
def test_the_landing_and_sign_up_pages_link_to_the_waitlist(client, path):
    assert 'href="/waitlist"' in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("config_overrides", [{"REGISTRATION_MODE": "open"}])
@pytest.mark.parametrize("path", ["/", "/register"])
def test_open_mode_pages_do_not_link_to_the_waitlist(client, path):
    assert 'href="/waitlist"' not in client.get(path).get_data(as_text=True)


def test_joining_shows_and_mails_the_place_in_line(app, mailbox, drain):
    for n in range(1, 4):
        visitor = app.test_client()
        assert join(visitor, f"w{n}@example.com").status_code == 303
        page = visitor.get("/waitlist").get_data(as_text=True)
        assert f"<strong>w{n}@example.com</strong> is number <strong>{n}</strong> in line" in page
    drain()
    for n in range(1, 4):
        (mail,) = mailbox.to(f"w{n}@example.com")
        assert f"number {n} in line" in mail.body
    again = app.test_client()
    assert join(again, "W2@example.com").status_code == 303  # the same answer, no second mail
    assert "is number <strong>2</strong> in line" in again.get("/waitlist").get_data(as_text=True)
    drain()
    assert len(mailbox.to("w2@example.com")) == 1


def test_invite_the_next_n_in_one_action(app, admin, mailbox, drain):
    visitors = {}
    for n in range(1, 6):
        visitors[n] = app.test_client()
        join(visitors[n], f"w{n}@example.com")
    drain()
    mailbox.clear()
    answer = post(admin, "/admin/waitlist/invite-next", {"count": "3"}, token_from="/admin/waitlist")
    assert answer.status_code == 303
    drain()
    invited = db.session.scalars(sa.select(Invite.email).order_by(Invite.id)).all()
    assert invited == ["w1@example.com", "w2@example.com", "w3@example.com"]
    assert all(len(mailbox.to(f"w{n}@example.com")) == 1 for n in (1, 2, 3))
    assert not mailbox.to("w4@example.com")
    assert "has been invited" in visitors[1].get("/waitlist").get_data(as_text=True)
    assert "is number <strong>1</strong> in line" in visitors[4].get("/waitlist").get_data(as_text=True)
    post(admin, "/admin/waitlist/invite-next", {"count": "10"}, token_from="/admin/waitlist")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WaitlistEntry)
                             .where(WaitlistEntry.invited_at.is_(None))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invite)) == 5


@pytest.mark.parametrize("count", ["0", "-1", "501", "abc", ""])
def test_invite_next_refuses_a_bad_count(admin, count):
    answer = post(admin, "/admin/waitlist/invite-next", {"count": count}, token_from="/admin/waitlist")
    assert answer.status_code == 422


def test_invite_next_is_for_admins(app, make_user):
    make_user("ann")
    client = app.test_client()
    login(client, "ann")
    answer = post(client, "/admin/waitlist/invite-next", {"count": "1"}, token_from="/settings")
    assert answer.status_code == 403

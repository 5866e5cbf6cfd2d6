"""Admin pages for invites, the referral tree and the waitlist; the audit signal; the CLI;
the helpers the admin area calls."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.signals import admin_action
from app.extensions import db
from app.referrals import services
from app.referrals.models import Invite, WaitlistEntry
from tests.referrals.conftest import fetch, seasoned
from tests.support import login, post, register


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only"}


@pytest.fixture
def audit(app):
    seen: list[dict] = []

    def record(sender, **kwargs):
        seen.append({"actor": kwargs["actor"].username, "action": kwargs["action"],
                     "target": kwargs["target"], "detail": kwargs["detail"]})

    admin_action.connect(record)
    yield seen
    admin_action.disconnect(record)


@pytest.fixture
def admin_client(app, client, make_user):
    make_user("boss", admin=True)
    login(client, "boss")
    return client


def invites() -> list[Invite]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Invite).order_by(Invite.id)))


@pytest.mark.parametrize("path", ["/admin/invites", "/admin/referrals", "/admin/waitlist"])
def test_admin_pages_are_for_admins(client, make_user, path):
    assert client.get(path).status_code == 302
    make_user("ann")
    login(client, "ann")
    assert client.get(path).status_code == 403


def test_non_admin_posts_are_forbidden(client, make_user):
    make_user("ann")
    login(client, "ann")
    data = {"uses": "1", "count": "1"}
    assert post(client, "/admin/invites", data, token_from="/settings").status_code == 403
    assert post(client, "/admin/invites/1/revoke", token_from="/settings").status_code == 403
    assert post(client, "/admin/waitlist/1/invite", token_from="/settings").status_code == 403


def test_admin_creates_invites(admin_client, audit):
    answer = post(admin_client, "/admin/invites", {
        "uses": "3", "count": "4", "expires": "2099-12-31", "email": "", "note": "club night",
    }, token_from="/admin/invites")
    assert answer.status_code == 303
    made = invites()
    assert len(made) == 4 and {i.uses_left for i in made} == {3}
    assert {i.note for i in made} == {"club night"} and made[0].created_by_id == fetch("boss").id
    page = admin_client.get("/admin/invites").get_data(as_text=True)
    assert all(i.code in page for i in made) and "0 / 3" in page and "active" in page
    assert audit == [{"actor": "boss", "action": "invite.create",
                      "target": f"invite:{made[0].id}-{made[-1].id}",
                      "detail": "count=4 uses=3 expires=2099-12-31"}]


@pytest.mark.parametrize("data", [
    {"uses": "0", "count": "1"},
    {"uses": "abc", "count": "1"},
    {"uses": "1", "count": "100000"},
    {"uses": "1", "count": "1", "expires": "2001-01-01"},
    {"uses": "1", "count": "1", "expires": "31/12/2099"},
    {"uses": "1", "count": "1", "email": "not-an-address"},
    {"uses": "1", "count": "2", "email": "ann@example.com"},
    {"uses": "1", "count": "1", "note": "n" * 201},
])
def test_bad_invite_forms_are_422(admin_client, data):
    assert post(admin_client, "/admin/invites", data, token_from="/admin/invites").status_code == 422
    assert invites() == []


def test_admin_revokes_an_invite(admin_client, audit):
    (invite,) = services.mint_invites(uses=2)
    db.session.commit()
    answer = post(admin_client, f"/admin/invites/{invite.id}/revoke", token_from="/admin/invites")
    assert answer.status_code == 303
    assert invites()[0].revoked_at is not None
    assert audit[-1]["action"] == "invite.revoke" and audit[-1]["target"] == f"invite:{invite.id}"
    assert post(admin_client, "/admin/invites/999/revoke", token_from="/admin/invites").status_code == 404


def test_the_referral_tree(app, admin_client, make_user):
    (invite,) = services.mint_invites(uses=5, note="launch")
    db.session.commit()
    assert register(app.test_client(), "ann", invite_code=invite.code).status_code == 303
    ann_code = services.current_code(seasoned("ann"))
    db.session.commit()
    assert register(app.test_client(), "bob", invite_code=ann_code).status_code == 303
    bob_code = services.current_code(seasoned("bob"))
    db.session.commit()
    assert register(app.test_client(), "cat", invite_code=bob_code).status_code == 303
    tree = services.referral_tree()
    (row, nodes), = tree.by_invite
    assert row.used == 1 and row.invite.code == invite.code
    assert nodes[0].username == "ann" and nodes[0].invite_code == invite.code
    assert nodes[0].children[0].username == "bob"
    assert nodes[0].children[0].children[0].username == "cat"
    page = admin_client.get("/admin/referrals").get_data(as_text=True)
    assert invite.code in page, page[page.index("<main"):]
    assert "1 / 5 used" in page
    assert page.index(">ann<") < page.index(">bob<") < page.index(">cat<")


def test_waitlist_join_and_admin_invite(app, client, make_user, mailbox, drain, audit):
    for _ in range(2):
        joined = post(client, "/waitlist", {"email": " Wait@Example.com "}, token_from="/waitlist")
        assert joined.status_code == 303
    assert post(client, "/waitlist", {"email": "nope"}, token_from="/waitlist").status_code == 422
    entry = db.session.scalar(sa.select(WaitlistEntry))
    assert entry.email == "wait@example.com"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WaitlistEntry)) == 1

    make_user("boss", admin=True)
    admin = app.test_client()
    login(admin, "boss")
    assert "wait@example.com" in admin.get("/admin/waitlist").get_data(as_text=True)
    answer = post(admin, f"/admin/waitlist/{entry.id}/invite", token_from="/admin/waitlist")
    assert answer.status_code == 303
    drain()
    joined_mail, mail = mailbox.to("wait@example.com")  # "you're number 1 in line", the invite
    assert "number 1 in line" in joined_mail.body
    (invite,) = invites()
    assert invite.email == "wait@example.com" and invite.uses == 1
    assert f"http://fairway.test/r/{invite.code}" in mail.body
    assert audit[-1]["action"] == "waitlist.invite" and "wait@example.com" not in audit[-1]["detail"]

    visitor = app.test_client()
    landing = visitor.get(f"/r/{invite.code}")
    assert landing.headers["Location"] == f"/register?code={invite.code}"
    assert register(visitor, "other", email="other@example.com", invite_code=invite.code).status_code == 422
    assert register(visitor, "waiter", email="wait@example.com", invite_code=invite.code).status_code == 303
    assert post(admin, "/admin/waitlist/999/invite", token_from="/admin/waitlist").status_code == 404


def test_cli_mints_codes_one_a_line(runner):
    result = runner.invoke(args=["invites", "create", "--uses", "3", "--count", "5", "--note", "cli",
                                 "--expires", "2099-01-31"])
    assert result.exit_code == 0, result.output
    printed = result.output.split()
    made = invites()
    assert printed == [i.code for i in made] and len(made) == 5
    assert {(i.uses, i.note) for i in made} == {(3, "cli")}
    assert made[0].expires_at.strftime("%Y-%m-%d") == "2099-02-01"


def test_cli_draws_a_progress_bar_for_many(runner):
    result = runner.invoke(args=["invites", "create", "--count", "1200"])
    assert result.exit_code == 0, result.output
    assert len(set(result.stdout.split())) == 1200
    assert "Minting invites" in result.stderr
    assert len(invites()) == 1200


@pytest.mark.parametrize("args", [
    ["--email", "not-an-address"],
    ["--email", "a@example.com", "--count", "2"],
    ["--expires", "2001-01-01"],
    ["--expires", "tomorrow"],
    ["--uses", "0"],
])
def test_cli_refuses_bad_options(runner, args):
    result = runner.invoke(args=["invites", "create", *args])
    assert result.exit_code == 2
    assert invites() == []


def test_helpers_for_the_admin_area(app, make_user):
    ann, bob, cat, dan = (make_user(n) for n in ("ann", "bob", "cat", "dan"))
    services.record_referral(ann.id, bob, None)
    services.record_referral(ann.id, cat, None)
    services.record_referral(bob.id, dan, None)
    db.session.commit()
    ids = [ann.id, bob.id, cat.id, dan.id]
    assert services.referrers_of(ids) == {bob.id: "ann", cat.id: "ann", dan.id: "bob"}
    assert services.referral_counts(ids) == {ann.id: 2, bob.id: 1}
    assert services.referrers_of([]) == {} and services.referral_counts([]) == {}

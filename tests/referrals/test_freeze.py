"""Freezing a branch of the invite tree: the player (and with scope=tree everyone below,
recursively) admits no one in invite-only mode, their unused invites are revoked, their
referrals' points are withheld; unfreezing restores admitting only; audit log and tree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.referrals import services
from app.referrals.freeze import freeze_invites
from app.referrals.models import Invite, InviteFreeze, PointsEntry, Referral
from tests.referrals.conftest import fetch, seasoned
from tests.referrals.test_admin import audit  # noqa: F401  (fixture)
from tests.support import login, post


@pytest.fixture
def config_overrides():
    return {"REGISTRATION_MODE": "invite_only"}


@pytest.fixture
def chain(make_user):
    """ann → bob → cat → dan, and zed outside the branch; all may invite."""
    for name in ("ann", "bob", "cat", "dan", "zed"):
        make_user(name)
        seasoned(name)
    for referrer, invitee in (("ann", "bob"), ("bob", "cat"), ("cat", "dan")):
        db.session.add(Referral(referrer_id=fetch(referrer).id, invitee_id=fetch(invitee).id))
    db.session.commit()


def frozen() -> set[str]:
    db.session.expire_all()
    ids = set(db.session.scalars(sa.select(InviteFreeze.user_id)))
    return {fetch_name(i) for i in ids}


def fetch_name(user_id: int) -> str:
    from app.identity.models import User

    return db.session.get(User, user_id).username


def freeze(admin, username: str, scope: str, undo: bool = False):
    action = "unfreeze-invites" if undo else "freeze-invites"
    return post(admin, f"/admin/users/{fetch(username).id}/{action}", {"scope": scope},
                token_from="/admin/referrals")


def admits(app, referrer: str, newcomer: str) -> bool:
    from tests.support import register

    code = services.current_code(fetch(referrer))
    db.session.commit()
    return register(app.test_client(), newcomer, invite_code=code).status_code == 303


def test_freezing_a_tree_freezes_everyone_below(app, admin, chain, audit):  # noqa: F811
    answer = freeze(admin, "bob", "tree")
    assert answer.status_code == 303
    assert frozen() == {"bob", "cat", "dan"}
    assert audit[-1]["action"] == "invites.freeze" and audit[-1]["target"] == f"user:{fetch('bob').id}"
    assert "scope=tree frozen=3" in audit[-1]["detail"]
    assert not admits(app, "cat", "new1") and not admits(app, "dan", "new2")
    assert admits(app, "ann", "new3") and admits(app, "zed", "new4")
    page = admin.get("/admin/referrals").get_data(as_text=True)
    assert page.count("invites frozen") == 3


def test_freezing_a_user_leaves_the_branch_below_alone(app, admin, chain):
    assert freeze(admin, "bob", "user").status_code == 303
    assert frozen() == {"bob"}
    assert not admits(app, "bob", "new1") and admits(app, "cat", "new2")


def test_unfreeze_restores_admitting_but_not_revoked_invites(app, admin, chain, make_user, audit):  # noqa: F811
    # An invite made by a player who was an admin once, later demoted: freezing revokes it.
    (invite,) = services.mint_invites(uses=3, created_by=fetch("cat"))
    db.session.commit()
    freeze(admin, "bob", "tree")
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).revoked_at is not None
    assert freeze(admin, "bob", "tree", undo=True).status_code == 303
    assert frozen() == set() and audit[-1]["action"] == "invites.unfreeze"
    assert admits(app, "cat", "new1")
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).revoked_at is not None


def test_points_not_yet_awarded_are_withheld(app, admin, chain, make_user):
    from app.identity.signals import email_verified

    make_user("fay", verified=False)
    db.session.add(Referral(referrer_id=fetch("bob").id, invitee_id=fetch("fay").id))
    db.session.commit()
    freeze(admin, "bob", "user")
    email_verified.send(app, user=fetch("fay"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) == 0


def test_the_referrals_page_says_the_invites_are_paused(app, admin, chain):
    freeze(admin, "bob", "user")
    client = app.test_client()
    login(client, "bob")
    assert "paused your invites" in client.get("/referrals").get_data(as_text=True)


@pytest.mark.parametrize("scope", ["", "branch", "USER", "x" * 100])
def test_a_bad_scope_is_a_422(admin, chain, scope):
    assert freeze(admin, "bob", scope).status_code == 422
    assert freeze(admin, "bob", scope, undo=True).status_code == 422
    assert frozen() == set()


def test_freezing_an_admin_is_a_422(admin, chain):
    assert freeze(admin, "boss", "user").status_code == 422
    assert freeze(admin, "boss", "tree").status_code == 422
    assert frozen() == set()


@pytest.mark.parametrize("action", ["freeze-invites", "unfreeze-invites"])
@pytest.mark.parametrize("user_id", ["999999", "99999999999999"])
def test_unknown_ids_are_404(admin, action, user_id):
    answer = post(admin, f"/admin/users/{user_id}/{action}", {"scope": "user"}, token_from="/admin/referrals")
    assert answer.status_code == 404


def test_only_admins_freeze(app, chain):
    client = app.test_client()
    login(client, "zed")
    answer = post(client, f"/admin/users/{fetch('bob').id}/freeze-invites", {"scope": "user"},
                  token_from="/settings")
    assert answer.status_code == 403 and frozen() == set()


def test_a_tree_freeze_skips_admins_below(app, admin, chain):
    from app.identity.models import ROLE_ADMIN

    fetch("cat").role = ROLE_ADMIN
    db.session.commit()
    freeze_invites(fetch("boss"), fetch("ann").id, "tree")
    db.session.commit()
    assert frozen() == {"ann", "bob", "dan"}


def test_a_deep_tree_freezes_in_one_insert_whatever_its_depth(app, make_user, chain):
    from tests.home.conftest import counting_statements

    previous = "dan"
    for n in range(30):  # dan → d0 → d1 → … → d29
        make_user(f"d{n}")
        db.session.add(Referral(referrer_id=fetch(previous).id, invitee_id=fetch(f"d{n}").id))
        previous = f"d{n}"
    db.session.commit()
    make_user("root", admin=True)
    with counting_statements() as statements:
        result = freeze_invites(fetch("root"), fetch("ann").id, "tree")
    db.session.commit()
    assert result.changed == 34 and len(frozen()) == 34
    inserts = [s for s in statements if "INSERT INTO invite_freezes" in s]
    assert len(inserts) == 1 and "RECURSIVE" in inserts[0].upper()
    assert len(statements) < 10  # the same few statements for 34 players as for one

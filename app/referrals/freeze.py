"""Freezing invites: an admin stops a player (``scope="user"``) or a whole branch of the invite
tree (``scope="tree"``: the player and everyone below them, recursively) from admitting anyone.
A branch is found by one recursive query, not a loop over the tree; freezing also revokes the
branch's unused invite codes, and while frozen their referrals earn no points (withheld)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.core.signals import admin_action, this_app
from app.extensions import db
from app.identity.models import ROLE_ADMIN, User
from app.referrals.models import Invite, InviteFreeze, Referral

SCOPES = ("user", "tree")


class UserNotFound(LookupError):
    """No account with that id."""


class FreezeRefused(ValueError):
    """A freeze that cannot be: a bad scope, or an admin."""


@dataclass
class FreezeResult:
    changed: int
    invites_revoked: int = 0


def _branch(user_id: int, scope: str) -> sa.Select[tuple[int]]:
    """The ids the action covers: the player alone, or (``tree``) the player and everyone they
    brought in, recursively, as one recursive CTE."""
    if scope == "user":
        return sa.select(sa.literal(user_id).label("user_id"))
    branch = sa.select(User.id.label("user_id")).where(User.id == user_id).cte("branch", recursive=True)
    branch = branch.union(
        sa.select(Referral.invitee_id).join(branch, Referral.referrer_id == branch.c.user_id)
    )
    return sa.select(branch.c.user_id)


def _target(user_id: int, scope: str) -> User:
    if scope not in SCOPES:
        raise FreezeRefused("The scope must be 'user' or 'tree'.")
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound(user_id)
    return user


def freeze_invites(actor: User, user_id: int, scope: str) -> FreezeResult:
    """Freeze the player (or their branch; admins in it are left alone) and revoke the unused
    invite codes they made, each in one statement; reported to the audit log."""
    user = _target(user_id, scope)
    if user.is_admin:
        raise FreezeRefused("Admins' invites can't be frozen.")
    now = utcnow()
    members = _branch(user.id, scope).subquery()
    chosen = (
        sa.select(User.id, sa.literal(actor.id), sa.literal(now))
        .join(members, members.c.user_id == User.id)
        .where(User.role != ROLE_ADMIN)
    )
    frozen = len(db.session.execute(
        dialect_insert(InviteFreeze.__table__)
        .from_select(["user_id", "frozen_by_id", "created_at"], chosen)
        .on_conflict_do_nothing()
        .returning(InviteFreeze.user_id)
    ).all())
    revoked = len(db.session.execute(
        sa.update(Invite)
        .where(
            Invite.created_by_id.in_(sa.select(InviteFreeze.user_id).where(
                InviteFreeze.user_id.in_(_branch(user.id, scope))
            )),
            Invite.revoked_at.is_(None), Invite.uses_left > 0,
        )
        .values(revoked_at=now)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    ).all())
    admin_action.send(
        this_app(), actor=actor, action="invites.freeze", target=f"user:{user.id}",
        detail=f"scope={scope} frozen={frozen} invites_revoked={revoked}",
    )
    return FreezeResult(frozen, revoked)


def unfreeze_invites(actor: User, user_id: int, scope: str) -> FreezeResult:
    """Let the player (or their branch) admit again; revoked invite codes stay revoked."""
    user = _target(user_id, scope)
    thawed = len(db.session.execute(
        sa.delete(InviteFreeze)
        .where(InviteFreeze.user_id.in_(_branch(user.id, scope)))
        .returning(InviteFreeze.user_id)
        .execution_options(synchronize_session=False)
    ).all())
    admin_action.send(
        this_app(), actor=actor, action="invites.unfreeze", target=f"user:{user.id}",
        detail=f"scope={scope} unfrozen={thawed}",
    )
    return FreezeResult(thawed)


def is_frozen(user_id: int) -> bool:
    return db.session.get(InviteFreeze, user_id) is not None


def frozen_among(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(InviteFreeze.user_id).where(InviteFreeze.user_id.in_(ids))))

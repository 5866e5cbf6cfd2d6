"""The admin's tree of who invited whom."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.identity.models import User
from app.referrals.freeze import frozen_among
from app.referrals.invites import InviteRow, recent_invites
from app.referrals.models import Invite, InviteRedemption, Referral


@dataclass
class TreeNode:
    user_id: int
    username: str
    verified: bool
    invite_code: str | None
    children: list[TreeNode] = field(default_factory=list)
    frozen: bool = False


@dataclass
class ReferralTree:
    by_invite: list[tuple[InviteRow, list[TreeNode]]]
    roots: list[TreeNode]


def referral_tree(invite_limit: int = 200) -> ReferralTree:
    """Who invited whom: invites with the accounts they made, and referral chains below each
    account; referrers who came in without an invite are roots of their own."""
    edges = db.session.execute(
        sa.select(Referral.referrer_id, Referral.invitee_id).order_by(Referral.id)
    ).all()
    redemptions = db.session.execute(
        sa.select(InviteRedemption.user_id, InviteRedemption.invite_id, Invite.code)
        .join(Invite, Invite.id == InviteRedemption.invite_id)
        .order_by(InviteRedemption.id)
    ).all()
    ids = {a for a, _ in edges} | {b for _, b in edges} | {u for u, _, _ in redemptions}
    users = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    } if ids else {}
    invite_code_of = {user_id: code for user_id, _, code in redemptions}
    frozen = frozen_among(ids)
    children: dict[int, list[int]] = {}
    for referrer_id, invitee_id in edges:
        children.setdefault(referrer_id, []).append(invitee_id)

    def build(user_id: int, seen: frozenset[int]) -> TreeNode:
        user = users[user_id]
        node = TreeNode(user.id, user.username, user.email_verified, invite_code_of.get(user_id),
                        frozen=user_id in frozen)
        node.children = [build(c, seen | {c}) for c in children.get(user_id, []) if c not in seen]
        return node

    placed: set[int] = set()
    by_invite: list[tuple[InviteRow, list[TreeNode]]] = []
    members: dict[int, list[int]] = {}
    for user_id, invite_id, _ in redemptions:
        members.setdefault(invite_id, []).append(user_id)
    invited = {b for _, b in edges}
    for row in recent_invites(invite_limit):
        nodes = []
        for user_id in members.get(row.invite.id, []):
            if user_id not in invited:
                nodes.append(build(user_id, frozenset({user_id})))
                placed.add(user_id)
        by_invite.append((row, nodes))
    roots = [
        build(user_id, frozenset({user_id}))
        for user_id in sorted(children)
        if user_id not in invited and user_id not in placed
    ]
    return ReferralTree(by_invite, roots)

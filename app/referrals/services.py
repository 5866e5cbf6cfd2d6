"""Referral and invite behaviour as plain functions. Services add and flush; the request commits.

Races are settled by the database: a unique index on codes and on a user's current code, a
unique invitee on the referral edge, one conditional UPDATE per invite redemption, and a unique
(user, event, source) key on the points ledger.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core.cache import ExpiringCache, per_app
from app.core.signals import admin_action
from app.extensions import db
from app.identity.models import User
from app.identity.services import IdentityError, normalize_email
from app.outbox.services import queue_mail
from app.privacy import hash_identifier
from app.referrals import memory
from app.referrals.clicks import buffered as clicks_buffered
from app.referrals.codes import (
    decode_referral,
    encode_referral,
    looks_like_invite,
    new_invite_code,
    new_nonce,
    normalize_code,
)
from app.referrals.models import (
    Invite,
    InviteRedemption,
    PointsEntry,
    Referral,
    ReferralClick,
    ReferralCode,
    WaitlistEntry,
)
from app.referrals.signals import code_minted, referral_verified

log = logging.getLogger(__name__)

#: How many times a code mint is tried before giving up (a collision is already near impossible).
MAX_MINT_ATTEMPTS = 5
VERIFIED_REFERRAL = "referral_verified"
VERIFIED_REFERRAL_POINTS = 10


class CodeUnavailable(RuntimeError):
    """Minting a code failed ``MAX_MINT_ATTEMPTS`` times in a row."""


class CodeRefused(IdentityError):
    """A sign-up's invite or referral code is not good (shown on the ``invite_code`` field)."""

    field = "invite_code"


class InviteRequired(CodeRefused):
    """Invite-only registration and no valid code."""


class InviteNotFound(LookupError):
    """No invite or waitlist entry with that id."""


# --- metrics ---------------------------------------------------------------------------------


@dataclass
class MintStats:
    """How often code mints had to retry, for tests, benchmarks and logs."""

    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def retried(self) -> None:
        with self.lock:
            self.retries += 1


def mint_stats(app: Flask | None = None) -> MintStats:
    target = app or current_app
    return target.extensions.setdefault("fairway.referral_mint_stats", MintStats())  # type: ignore[no-any-return]


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined, no-any-return]


# --- personal referral codes -----------------------------------------------------------------


def _current_row(user_id: int) -> ReferralCode | None:
    return db.session.scalar(
        sa.select(ReferralCode).where(
            ReferralCode.user_id == user_id, ReferralCode.retired_at.is_(None)
        )
    )


def assign_code(user: User) -> ReferralCode:
    """The user's current code, minted now if there is none. Idempotent and safe to race:
    the unique indexes pick one winner and the loser reads it on the next round."""
    for attempt in range(MAX_MINT_ATTEMPTS):
        existing = _current_row(user.id)
        if existing is not None:
            return existing
        row = ReferralCode(user_id=user.id, nonce=new_nonce())
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
                row.code = encode_referral(row.id, row.nonce)
                db.session.flush()
        except IntegrityError:
            mint_stats().retried()
            log.warning("referral code mint for user %s conflicted; retrying", user.id)
            continue
        code_minted.send(_app(), retries=attempt)
        return row
    raise CodeUnavailable(f"no referral code for user {user.id} after {MAX_MINT_ATTEMPTS} tries")


def current_code(user: User) -> str:
    """The code to show the user (ensured on read for accounts older than referrals)."""
    code = assign_code(user).code
    assert code is not None
    return code


def rotate_code(user: User) -> str:
    """Retire the current code (it stays an alias) and mint a new one."""
    db.session.execute(
        sa.update(ReferralCode)
        .where(ReferralCode.user_id == user.id, ReferralCode.retired_at.is_(None))
        .values(retired_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return current_code(user)


def referral_url(code: str) -> str:
    return f"{current_app.config['APP_BASE_URL']}/r/{code}"


def referral_link(user: User) -> str:
    """The absolute link ``user`` shares: their current code, minted if they have none yet."""
    return referral_url(current_code(user))


# --- resolving codes -------------------------------------------------------------------------


@dataclass
class Resolution:
    """What a code names. ``kind`` is None when it names nothing usable."""

    code: str
    kind: str | None = None
    referral: ReferralCode | None = None
    invite: Invite | None = None

    @property
    def valid(self) -> bool:
        return self.kind is not None

    @property
    def referrer(self) -> User | None:
        return self.referral.user if self.referral is not None else None


def _referral_row(code: str) -> ReferralCode | None:
    decoded = decode_referral(code)
    if decoded is None:
        return None
    row_id, nonce = decoded
    # One round trip: the link's owner is needed anyway (active? who referred?).
    row = db.session.get(ReferralCode, row_id, options=[so.joinedload(ReferralCode.user)])
    if row is None or row.nonce != nonce or row.code != code or not row.user.is_active:
        return None
    return row


def _usable_invite(code: str) -> Invite | None:
    if not looks_like_invite(code):
        return None
    invite = db.session.scalar(sa.select(Invite).where(Invite.code == code))
    if invite is None or invite.status(utcnow()) != "active":
        return None
    return invite


@dataclass(frozen=True)
class LinkTarget:
    """Where a referral link leads: its code as normalized, and the live referral code's id
    (None when the code names no active player's link)."""

    code: str
    code_id: int | None


def _link_cache() -> ExpiringCache[str, int]:
    return per_app("fairway.referral_links",
                   lambda app: ExpiringCache(app.config["REFERRAL_LINK_CACHE_SECONDS"]))


def link_target(raw: str | None) -> LinkTarget:
    """Resolve a referral link for ``/r/<code>``, answering from this process's cache for up to
    ``REFERRAL_LINK_CACHE_SECONDS``: only live codes are kept, so a new or reactivated player's
    link works at once, and a deactivation clears this process's cache (other processes may
    count a deactivated player's clicks until it expires; sign-up checks the database)."""
    code = normalize_code(raw)
    cache = _link_cache()
    code_id = cache.get(code)
    if code_id is None:
        row = _referral_row(code)
        if row is None:
            return LinkTarget(code, None)
        code_id = row.id
        cache.put(code, code_id)
    return LinkTarget(code, code_id)


def on_user_deactivated(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``user_deactivated`` listener: the player's links stop counting here at once."""
    if "referrals" in sender.blueprints:
        _link_cache().clear()


def on_user_logged_out(sender: Flask, user: User | None = None, **_: Any) -> None:
    """Flask-Login's ``user_logged_out``: signing out ends the browser's referral memory, as it
    ends its session."""
    memory.forget()


def resolve(raw: str | None) -> Resolution:
    """Resolve any spelling of a code to a live referral code (of an active user) or a
    usable invite."""
    code = normalize_code(raw)
    row = _referral_row(code)
    if row is not None:
        return Resolution(code, "referral", referral=row)
    invite = _usable_invite(code)
    if invite is not None:
        return Resolution(code, "invite", invite=invite)
    return Resolution(code)


# --- sign-up: attribution and invites --------------------------------------------------------


def record_referral(referrer_id: int, invitee: User, code_id: int | None) -> bool:
    """Write the invitee's ``referred_by`` once; a later attempt changes nothing."""
    if referrer_id == invitee.id:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Referral(referrer_id=referrer_id, invitee_id=invitee.id, code_id=code_id))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def _refusal(code: str, email: str) -> CodeRefused:
    """A clear message for an invite the conditional update did not take."""
    invite = db.session.scalar(sa.select(Invite).where(Invite.code == code))
    if invite is None:
        return CodeRefused("That invite or referral code isn't valid.")
    status = invite.status(utcnow())
    if status == "revoked":
        return CodeRefused("That invite has been withdrawn.")
    if status == "expired":
        return CodeRefused("That invite has expired.")
    if status == "used up":
        return CodeRefused("That invite has been used up.")
    if invite.email is not None and invite.email != email:
        return CodeRefused("That invite was sent to a different email address.")
    return CodeRefused("That invite can't be used.")


def redeem_invite(code: str, user: User) -> Invite:
    """Take one use of the invite for ``user`` in the current transaction.

    One conditional UPDATE decides (uses left, not expired, not revoked, address matches if
    bound), so concurrent redemptions never exceed the uses; an address redeems one invite.
    """
    code = normalize_code(code)
    email = normalize_email(user.email)
    result = db.session.execute(
        sa.update(Invite)
        .where(
            Invite.code == code,
            Invite.uses_left > 0,
            Invite.revoked_at.is_(None),
            sa.or_(Invite.expires_at.is_(None), Invite.expires_at > utcnow()),
            sa.or_(Invite.email.is_(None), Invite.email == email),
        )
        .values(uses_left=Invite.uses_left - 1)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    )
    invite_id = result.scalar_one_or_none()
    if invite_id is None:
        raise _refusal(code, email)
    try:
        with db.session.begin_nested():
            db.session.add(InviteRedemption(invite_id=invite_id, user_id=user.id, email=email))
            db.session.flush()
    except IntegrityError:
        raise CodeRefused("This email address has already used an invite.") from None
    invite = db.session.get(Invite, invite_id)
    assert invite is not None
    db.session.refresh(invite)
    return invite


def remember_referrer(referrer: User) -> None:
    """Make ``referrer`` this browser's referral, unless it followed one already (first click
    wins): for links that are not referral links but bring people, like a tee time's."""
    memory.remember(current_code(referrer))


def attribute_sign_up(user: User, typed_code: str | None, remembered: str = "") -> None:
    """Give a new account its code, its ``referred_by`` and its invite, or refuse it.

    The remembered referral (first click wins) decides ``referred_by``; a typed referral code
    counts when nothing is remembered. A typed code that is neither a referral nor a usable
    invite is refused; invite-only registration refuses an account without a valid code.
    """
    assign_code(user)
    typed = normalize_code(typed_code)
    invite: Invite | None = None
    typed_referral: ReferralCode | None = None
    if typed:
        typed_referral = _referral_row(typed)
        if typed_referral is None:
            if not looks_like_invite(typed):
                raise CodeRefused("That invite or referral code isn't valid.")
            invite = redeem_invite(typed, user)
    first = _referral_row(normalize_code(remembered)) if remembered else None
    chosen = first or typed_referral
    if chosen is not None:
        record_referral(chosen.user_id, user, chosen.id)
    invite_only = current_app.config["REGISTRATION_MODE"] == "invite_only"
    if invite_only and invite is None and chosen is None and not user.is_admin:
        raise InviteRequired("Fairway is invite-only for now: enter an invite or referral code.")


def on_user_registered(sender: Flask, user: User, invite_code: str | None = None, **_: Any) -> None:
    """identity's ``user_registered`` listener, run inside the sign-up transaction."""
    if "referrals" in sender.blueprints:
        attribute_sign_up(user, invite_code, memory.remembered())
        memory.forget()


# --- rewards ---------------------------------------------------------------------------------


def award_points(user_id: int, event: str, source: str, points: int) -> bool:
    """Credit points once per (user, event, source); a repeat is a harmless no-op."""
    try:
        with db.session.begin_nested():
            db.session.add(PointsEntry(user_id=user_id, event=event, source=source, points=points))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def on_email_verified(sender: Flask, user: User, **_: Any) -> None:
    """identity's ``email_verified`` listener: the referrer earns points for a verified invitee."""
    if "referrals" not in sender.blueprints:
        return
    referrer_id = db.session.scalar(sa.select(Referral.referrer_id).where(Referral.invitee_id == user.id))
    if referrer_id is not None and award_points(
        referrer_id, VERIFIED_REFERRAL, f"user:{user.id}", VERIFIED_REFERRAL_POINTS
    ):
        referral_verified.send(sender, referrer_id=referrer_id, invitee=user)


def points_of(user: User) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.user_id == user.id
            )
        )
        or 0
    )


# --- views of referrals ----------------------------------------------------------------------


@dataclass
class ReferralStats:
    clicks: int
    sign_ups: int
    verified: int
    points: int


def stats_for(user: User) -> ReferralStats:
    code_ids = list(db.session.scalars(sa.select(ReferralCode.id).where(ReferralCode.user_id == user.id)))
    clicks = (db.session.scalar(
        sa.select(sa.func.count(ReferralClick.id)).where(ReferralClick.code_id.in_(code_ids))
    ) or 0) + clicks_buffered(code_ids)
    invitee = so.aliased(User)
    sign_ups, verified = db.session.execute(
        sa.select(
            sa.func.count(Referral.id),
            sa.func.coalesce(
                sa.func.sum(sa.case((invitee.email_verified_at.is_not(None), 1), else_=0)), 0
            ),
        )
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(Referral.referrer_id == user.id)
    ).one()
    return ReferralStats(int(clicks or 0), int(sign_ups), int(verified), points_of(user))


@dataclass
class Referred:
    username: str
    verified: bool
    joined_at: datetime


def people_referred(user: User, limit: int = 200) -> list[Referred]:
    invitee = so.aliased(User)
    rows = db.session.execute(
        sa.select(invitee.username, invitee.email_verified_at, Referral.created_at)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(Referral.referrer_id == user.id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()
    return [Referred(name, verified_at is not None, joined) for name, verified_at, joined in rows]


@dataclass
class LeaderboardRow:
    username: str
    verified: int
    sign_ups: int
    points: int


def leaderboard(limit: int = 25) -> list[LeaderboardRow]:
    """Top referrers by verified sign-ups (active accounts only)."""
    referrer, invitee = so.aliased(User), so.aliased(User)
    verified = sa.func.sum(sa.case((invitee.email_verified_at.is_not(None), 1), else_=0))
    points = (
        sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
        .where(PointsEntry.user_id == referrer.id)
        .correlate(referrer)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(referrer.username, verified, sa.func.count(Referral.id), points)
        .join(referrer, referrer.id == Referral.referrer_id)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(referrer.deactivated_at.is_(None))
        .group_by(referrer.id, referrer.username)
        .having(verified > 0)
        .order_by(verified.desc(), referrer.username)
        .limit(limit)
    ).all()
    return [LeaderboardRow(name, int(v), int(s), int(p)) for name, v, s, p in rows]


# --- for the admin area ----------------------------------------------------------------------


def referrers_of(user_ids: list[int]) -> dict[int, str]:
    """Invitee id → the username of whoever referred them (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.invitee_id, User.username)
        .join(User, User.id == Referral.referrer_id)
        .where(Referral.invitee_id.in_(user_ids))
    ).all()
    return {invitee_id: username for invitee_id, username in rows}


def referral_counts(user_ids: list[int]) -> dict[int, int]:
    """Referrer id → how many accounts they referred (one query; absent means none)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.referrer_id, sa.func.count(Referral.id))
        .where(Referral.referrer_id.in_(user_ids))
        .group_by(Referral.referrer_id)
    ).all()
    return {referrer_id: int(count) for referrer_id, count in rows}


# --- invites (admin) -------------------------------------------------------------------------


def expiry_of(day: date | None) -> datetime | None:
    """An invite that expires on ``day`` works until the end of that day (UTC)."""
    return datetime.combine(day + timedelta(days=1), time()) if day is not None else None


MINT_BATCH = 500


def mint_invites(
    count: int = 1,
    uses: int = 1,
    expires_on: date | None = None,
    email: str | None = None,
    note: str = "",
    created_by: User | None = None,
) -> list[Invite]:
    """Create ``count`` invite codes, a batch per flush; a batch that hits a (near impossible)
    duplicate code is minted again with fresh codes."""
    bound = normalize_email(email) if email else None
    expires_at = expiry_of(expires_on)
    made: list[Invite] = []
    while len(made) < count:
        size = min(MINT_BATCH, count - len(made))
        for attempt in range(MAX_MINT_ATTEMPTS):
            codes = {new_invite_code() for _ in range(size)}
            batch = [
                Invite(
                    code=code, uses=uses, uses_left=uses, expires_at=expires_at, email=bound,
                    note=note, created_by_id=created_by.id if created_by else None,
                )
                for code in codes
            ]
            try:
                with db.session.begin_nested():
                    db.session.add_all(batch)
                    db.session.flush()
            except IntegrityError:
                mint_stats().retried()
                if attempt == MAX_MINT_ATTEMPTS - 1:
                    raise CodeUnavailable("could not mint unique invite codes") from None
                continue
            made.extend(sorted(batch, key=lambda invite: invite.id))
            break
    return made


def create_invites(actor: User, **options: Any) -> list[Invite]:
    """An admin's ``mint_invites``, reported to the audit log (no raw codes or addresses)."""
    invites = mint_invites(created_by=actor, **options)
    ids = [invite.id for invite in invites]
    email = options.get("email")
    detail = f"count={len(ids)} uses={options.get('uses', 1)} expires={options.get('expires_on') or '-'}"
    if email:
        detail += f" email={hash_identifier(email)}"
    target = f"invite:{ids[0]}" if len(ids) == 1 else f"invite:{ids[0]}-{ids[-1]}"
    admin_action.send(_app(), actor=actor, action="invite.create", target=target, detail=detail)
    return invites


def revoke_invite(actor: User, invite_id: int) -> Invite:
    invite = db.session.get(Invite, invite_id)
    if invite is None:
        raise InviteNotFound(invite_id)
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        db.session.flush()
    admin_action.send(
        _app(), actor=actor, action="invite.revoke", target=f"invite:{invite.id}",
        detail=f"uses_left={invite.uses_left}",
    )
    return invite


@dataclass
class InviteRow:
    invite: Invite
    used: int
    status: str


def recent_invites(limit: int = 200) -> list[InviteRow]:
    now = utcnow()
    invites = db.session.scalars(sa.select(Invite).order_by(Invite.id.desc()).limit(limit)).all()
    return [InviteRow(i, i.uses - i.uses_left, i.status(now)) for i in invites]


# --- waitlist --------------------------------------------------------------------------------


def join_waitlist(email: str) -> None:
    """Put an address on the waitlist; joining twice is the same as once."""
    try:
        with db.session.begin_nested():
            db.session.add(WaitlistEntry(email=normalize_email(email)))
            db.session.flush()
    except IntegrityError:
        return


def waitlist(limit: int = 500) -> list[WaitlistEntry]:
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry).order_by(WaitlistEntry.created_at, WaitlistEntry.id).limit(limit)
        )
    )


def invite_from_waitlist(actor: User, entry_id: int) -> Invite:
    """Mint a one-use invite bound to the waitlisted address and mail its link."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None:
        raise InviteNotFound(entry_id)
    days = current_app.config["WAITLIST_INVITE_DAYS"]
    (invite,) = mint_invites(
        uses=1, expires_on=(utcnow() + timedelta(days=days)).date(), email=entry.email,
        note="waitlist", created_by=actor,
    )
    entry.invite_id, entry.invited_at = invite.id, utcnow()
    db.session.flush()
    queue_mail(
        "waitlist_invite", entry.email, "Your invitation to Fairway", "waitlist_invite",
        url=referral_url(invite.code), days=days,
    )
    admin_action.send(
        _app(), actor=actor, action="waitlist.invite", target=f"waitlist:{entry.id}",
        detail=f"invite:{invite.id} email={hash_identifier(entry.email)}",
    )
    return invite


# --- the admin tree --------------------------------------------------------------------------


@dataclass
class TreeNode:
    user_id: int
    username: str
    verified: bool
    invite_code: str | None
    children: list[TreeNode] = field(default_factory=list)


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
    children: dict[int, list[int]] = {}
    for referrer_id, invitee_id in edges:
        children.setdefault(referrer_id, []).append(invitee_id)

    def build(user_id: int, seen: frozenset[int]) -> TreeNode:
        user = users[user_id]
        node = TreeNode(user.id, user.username, user.email_verified, invite_code_of.get(user_id))
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

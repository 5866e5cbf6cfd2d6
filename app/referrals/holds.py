"""Held referrals: when sign-ups through one referrer cluster (one network or one browser, too
many within a window) or the invitee's address is a look-alike of the referrer's, the referral
is held and earns no points until an admin approves it; a rejection withholds them (reversing
them if they were already paid). Networks and browsers are kept only as keyed hashes."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from app.clock import utcnow
from app.core.signals import admin_action, this_app
from app.extensions import client_address, db
from app.identity.models import User
from app.privacy import hash_identifier
from app.referrals.models import PointsEntry, Referral, ReferralSignal
from app.referrals.points import VERIFIED_REFERRAL, VERIFIED_REFERRAL_POINTS, award_points
from app.referrals.signals import referral_verified

DEVICE_COOKIE = "fw_device"
DEVICE_COOKIE_DAYS = 400
NETWORK, DEVICE, LOOKALIKE = "network", "device", "lookalike"
HELD, APPROVED, REJECTED = "held", "approved", "rejected"
REJECTED_REFERRAL = "referral_rejected"
GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
SIGNAL_TEXT = {
    NETWORK: "sign-ups from one network",
    DEVICE: "sign-ups from one browser",
    LOOKALIKE: "address looks like the referrer's",
}


class HoldNotFound(LookupError):
    """No held referral with that id."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="fairway-device")


def device_id() -> str:
    """This browser's long-lived id from its signed cookie, or a new one (set on the answer by
    ``keep_device_cookie``)."""
    if "device_id" in g:
        return str(g.device_id)
    try:
        value = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        value = None
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(16)
        g.new_device_id = value
    g.device_id = value
    return value


def keep_device_cookie(response: Response) -> Response:
    """Give the browser its device cookie on the sign-up page (and after a sign-up) once."""
    if request.endpoint == "identity.register" and DEVICE_COOKIE not in request.cookies:
        device_id()
    new = g.get("new_device_id")
    if new:
        response.set_cookie(
            DEVICE_COOKIE, _serializer().dumps(new), max_age=DEVICE_COOKIE_DAYS * 86_400,
            httponly=True, samesite="Lax", secure=request.is_secure,
        )
    return response


def network_of(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network an address is in, or None when it is no address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def canonical_address(email: str) -> str:
    """The mailbox an address delivers to: no ``+tag``, and no dots in Gmail-style local parts."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        domain = GMAIL_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}"


def look_alike(invitee_email: str, referrer_email: str) -> bool:
    return canonical_address(invitee_email) == canonical_address(referrer_email)


def _cluster(referrer_id: int, column: so.InstrumentedAttribute[str | None], value: str,
             since: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        ReferralSignal.referrer_id == referrer_id, column == value, ReferralSignal.created_at >= since,
    )


def screen_referral(referral_id: int, referrer_id: int, invitee: User) -> str | None:
    """Record the sign-up's signals and hold the referral (with the others of its cluster that
    no admin decided yet) when they cluster; answers the signal that held it, if any.

    Called by attribution inside the sign-up's transaction, before the invitee can verify."""
    network = device = None
    if has_request_context():
        net = network_of(client_address())
        network = hash_identifier(f"network:{net}") if net else None
        device = hash_identifier(f"device:{device_id()}")
    now = utcnow()
    row = ReferralSignal(referral_id=referral_id, referrer_id=referrer_id, network_hash=network,
                         device_hash=device, created_at=now)
    db.session.add(row)
    db.session.flush()
    referrer = db.session.get(User, referrer_id)
    if referrer is not None and look_alike(invitee.email, referrer.email):
        row.held_reason, row.held_count = LOOKALIKE, 1
        db.session.flush()
        return LOOKALIKE
    since = now - timedelta(hours=current_app.config["REFERRAL_HOLD_WINDOW_HOURS"])
    for signal, column, value in ((NETWORK, ReferralSignal.network_hash, network),
                                  (DEVICE, ReferralSignal.device_hash, device)):
        if value is None:
            continue
        same = _cluster(referrer_id, column, value, since)
        count = db.session.scalar(sa.select(sa.func.count()).where(same)) or 0
        if count >= current_app.config["REFERRAL_HOLD_CLUSTER"]:
            db.session.execute(
                sa.update(ReferralSignal)
                .where(same, ReferralSignal.decision.is_(None),
                       sa.or_(ReferralSignal.held_reason.is_(None), ReferralSignal.held_reason == signal))
                .values(held_reason=signal, held_count=count)
                .execution_options(synchronize_session=False)
            )
            db.session.expire(row)
            return signal
    return None


def counted() -> sa.ColumnElement[bool]:
    """SQL: a referral that counts on the leaderboard (not held, not rejected); for use with an
    outer join of ``ReferralSignal`` on the referral."""
    return sa.or_(ReferralSignal.held_reason.is_(None), ReferralSignal.decision == APPROVED)


@dataclass
class HeldReferral:
    id: int
    referrer: str
    invitee: str
    invitee_verified: bool
    signal: str
    evidence: str
    count: int
    status: str
    joined_at: datetime


def held_referrals(limit: int = 200) -> list[HeldReferral]:
    """Held referrals for the review page: undecided first, newest first (one query)."""
    referrer, invitee = so.aliased(User), so.aliased(User)
    rows = db.session.execute(
        sa.select(ReferralSignal, referrer.username, invitee.username, invitee.email_verified_at)
        .join(Referral, Referral.id == ReferralSignal.referral_id)
        .join(referrer, referrer.id == Referral.referrer_id)
        .join(invitee, invitee.id == Referral.invitee_id)
        .where(ReferralSignal.held_reason.is_not(None))
        .order_by(ReferralSignal.decision.is_not(None), ReferralSignal.created_at.desc(),
                  ReferralSignal.referral_id.desc())
        .limit(limit)
    ).all()
    return [
        HeldReferral(
            row.referral_id, ref_name, inv_name, verified_at is not None, row.held_reason or "",
            SIGNAL_TEXT.get(row.held_reason or "", row.held_reason or ""), row.held_count,
            row.decision or HELD, row.created_at,
        )
        for row, ref_name, inv_name, verified_at in rows
    ]


def _held(referral_id: int) -> tuple[ReferralSignal, Referral]:
    row = db.session.get(ReferralSignal, referral_id)
    if row is None or row.held_reason is None:
        raise HoldNotFound(referral_id)
    return row, row.referral


def approve_referral(actor: User, referral_id: int) -> bool:
    """Release a held referral: its points are awarded if the invitee is verified. A second
    decision is a no-op (answers False)."""
    row, referral = _held(referral_id)
    if row.decision is not None:
        return False
    row.decision, row.decided_by_id, row.decided_at = APPROVED, actor.id, utcnow()
    db.session.flush()
    invitee = referral.invitee
    if invitee.email_verified and award_points(
        referral.referrer_id, VERIFIED_REFERRAL, f"user:{invitee.id}", VERIFIED_REFERRAL_POINTS
    ):
        referral_verified.send(this_app(), referrer_id=referral.referrer_id, invitee=invitee)
    admin_action.send(this_app(), actor=actor, action="referrals.approve",
                      target=f"referral:{referral.id}", detail=f"signal={row.held_reason}")
    return True


def reject_referral(actor: User, referral_id: int) -> bool:
    """Withhold a held referral's points for good; points already paid are reversed by a
    negative ledger entry. A second decision is a no-op (answers False)."""
    row, referral = _held(referral_id)
    if row.decision is not None:
        return False
    row.decision, row.decided_by_id, row.decided_at = REJECTED, actor.id, utcnow()
    db.session.flush()
    source = f"user:{referral.invitee_id}"
    paid = db.session.scalar(sa.select(PointsEntry.points).where(
        PointsEntry.user_id == referral.referrer_id, PointsEntry.event == VERIFIED_REFERRAL,
        PointsEntry.source == source,
    ))
    reversed_ = bool(paid) and award_points(referral.referrer_id, REJECTED_REFERRAL, source, -int(paid or 0))
    admin_action.send(this_app(), actor=actor, action="referrals.reject",
                      target=f"referral:{referral.id}",
                      detail=f"signal={row.held_reason} reversed={paid if reversed_ else 0}")
    return True

"""Identity behaviour as plain functions. Services add and flush; the request commits."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.core import zones
from app.core.signals import this_app as _app
from app.extensions import db
from app.identity import passwords, tokens
from app.identity.models import ROLE_ADMIN, LoginAttempt, User, new_session_token
from app.identity.signals import email_verified, password_changed, user_deactivated, user_registered
from app.outbox.services import composes, queue_mail, queue_request
from app.privacy import hash_identifier

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"[a-z0-9_]+")
ADMIN_RESET_SUBJECT = "An administrator reset your Fairway password"


class IdentityError(Exception):
    """A rule refused the action; the message is for the user, ``field`` says where it goes."""

    field = "invite_code"


class SignUpRefused(IdentityError):
    """The invite gate refused the account (shown on the ``invite_code`` field)."""


class UsernameTaken(IdentityError):
    field = "username"


class EmailTaken(IdentityError):
    field = "email"


class InvalidUsername(IdentityError):
    field = "username"


class InvalidEmail(IdentityError):
    field = "email"


class WrongPassword(IdentityError):
    field = "password"


class AccountInactive(IdentityError):
    """The account is deactivated, so the action cannot apply to it."""


def normalize_username(value: str) -> str:
    return value.strip().lower()


def normalize_email(value: str) -> str:
    return value.strip().lower()


def user_by_login(login: str) -> User | None:
    """The account a username or email address names, if any."""
    value = login.strip().lower()
    column = User.email if "@" in value else User.username
    return db.session.scalar(sa.select(User).where(column == value))


def active_user(username: str) -> User | None:
    """The active account with this username, or None (deactivated accounts are hidden)."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()[:30]))
    return user if user is not None and user.is_active else None


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def user_by_session_token(token: str) -> User | None:
    """The active user a session or remember cookie names (Flask-Login's loader)."""
    user = db.session.scalar(sa.select(User).where(User.session_token == token))
    return user if user is not None and user.is_active else None


# --- sign-up -----------------------------------------------------------------------------


@dataclass
class Registration:
    """What a sign-up produced: the new account, or None when the address was taken
    (the owner was mailed instead, and the visitor sees the same answer)."""

    user: User | None


def register(username: str, email: str, password: str, invite_code: str | None = None) -> Registration:
    """Create an account and queue its verification mail, in the current transaction.

    The invite gate decides first (an exhausted invite, say, refuses the sign-up); listeners of
    ``user_registered`` then react inside the same transaction.
    """
    username, email = normalize_username(username), normalize_email(email)
    password_hash = passwords.hash_password(password)
    existing = user_by_email(email)
    if existing is not None:
        _mail_address_in_use(existing)
        return Registration(user=None)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken("That username is taken.")
    user = User(username=username, email=email, password_hash=password_hash)
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        # Lost a race with a concurrent sign-up for the same name or address.
        existing = user_by_email(email)
        if existing is not None:
            _mail_address_in_use(existing)
            return Registration(user=None)
        raise UsernameTaken("That username is taken.") from None
    _admit(user, invite_code)
    user_registered.send(_app(), user=user, invite_code=invite_code)
    send_verification(user)
    return Registration(user=user)


def _admit(user: User, invite_code: str | None) -> None:
    """Ask the referrals area's invite gate, where the app runs it, and refuse on its answer."""
    if "referrals" not in current_app.blueprints:
        return
    from app.referrals.attribution import admit_sign_up  # the referrals area imports identity

    refusal = admit_sign_up(user, invite_code)
    if refusal is not None:
        raise SignUpRefused(refusal)


def _mail_address_in_use(user: User) -> None:
    queue_mail(
        "address_in_use", user.email, "Someone tried to sign up with your address",
        "address_in_use", user=user,
    )


def _check_new_account(username: str, email: str) -> None:
    """The form rules for a username and an address, for callers that have no form (the CLI)."""
    if not 3 <= len(username) <= 30:
        raise InvalidUsername("Usernames are 3 to 30 characters.")
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidUsername("Use only letters, digits and underscores.")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail("Enter a valid email address.") from None


def create_admin(username: str, email: str, password: str) -> User:
    """An administrator account, verified from the start (the CLI's ``users create-admin``)."""
    username, email = normalize_username(username), normalize_email(email)
    _check_new_account(username, email)
    if user_by_email(email) is not None:
        raise EmailTaken("That email address is already in use.")
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken("That username is taken.")
    user = User(
        username=username,
        email=email,
        password_hash=passwords.hash_password(password),
        role=ROLE_ADMIN,
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    _admit(user, None)
    user_registered.send(_app(), user=user, invite_code=None)
    return user


# --- sign-in -----------------------------------------------------------------------------


def record_login_attempt(login: str, ip: str, outcome: str, user: User | None = None) -> None:
    """Write a login attempt in its own transaction, so it stays even when the request's rolls back."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(LoginAttempt).values(
                created_at=utcnow(),
                user_id=user.id if user is not None else None,
                login_hash=hash_identifier(login),
                ip_hash=hash_identifier(ip),
                outcome=outcome,
            )
        )


def authenticate(login: str, password: str, ip: str) -> User | None:
    """The user whose login and password these are, or None; every attempt is recorded."""
    user = user_by_login(login)
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        record_login_attempt(login, ip, "unknown_login")
        return None
    if not passwords.verify_password(user.password_hash, password):
        record_login_attempt(login, ip, "bad_password", user)
        return None
    if not user.is_active:
        record_login_attempt(login, ip, "inactive", user)
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    record_login_attempt(login, ip, "success", user)
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember cookie of the user."""
    user.session_token = new_session_token()


# --- verification ------------------------------------------------------------------------


def send_verification(user: User, by_admin: bool = False) -> None:
    """Queue a verification link for the address that awaits it (a pending new one first);
    ``by_admin``: the mail also says an admin reset the password, and how to choose one."""
    address = user.pending_email or user.email
    token = tokens.make_token(tokens.VERIFY, user, address)
    queue_mail(
        "verify", address, "Confirm your email for Fairway", "verify", user=user, token=token,
        by_admin=by_admin,
    )


def verify_email(token: str) -> User:
    """Mark the token's address verified. Verification never goes back; a used or stale
    token raises TokenInvalid."""
    user_id, fingerprint = tokens.read_token(tokens.VERIFY, token)
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise tokens.TokenInvalid(tokens.VERIFY)
    if user.pending_email and tokens.matches(tokens.VERIFY, user, user.pending_email, fingerprint):
        if user_by_email(user.pending_email) is not None:
            raise EmailTaken("That email address is already in use.")
        first = user.email_verified_at is None
        try:
            # Someone may take the address between the check above and this write.
            with db.session.begin_nested():
                user.email, user.pending_email = user.pending_email, None
                user.email_verified_at = utcnow()
        except IntegrityError:
            raise EmailTaken("That email address is already in use.") from None
        if first:
            email_verified.send(_app(), user=user)
        return user
    if user.email_verified_at is None and tokens.matches(tokens.VERIFY, user, user.email, fingerprint):
        user.email_verified_at = utcnow()
        db.session.flush()
        email_verified.send(_app(), user=user)
        return user
    raise tokens.TokenInvalid(tokens.VERIFY)


# --- password reset ----------------------------------------------------------------------


RESET_REQUEST = "reset_request"


def request_password_reset(email: str) -> None:
    """Record that a reset was asked for this address; the mail job decides what it gets
    (:func:`answer_reset_request`). The request does the same work whether or not an account
    uses the address, so its timing tells nothing, and the caller answers the same."""
    queue_request(RESET_REQUEST, normalize_email(email))


@composes(RESET_REQUEST)
def answer_reset_request(email: str) -> None:
    """Mail a reset link to a verified account, a verification link to an unverified one,
    and nothing otherwise (run by the mail job, in its transaction)."""
    user = user_by_email(email)
    if user is None or not user.is_active:
        return
    if not user.email_verified:
        send_verification(user)
        return
    _mail_reset_link(user)


def _mail_reset_link(user: User, by_admin: bool = False) -> None:
    token = tokens.make_token(tokens.RESET, user, user.email)
    subject = ADMIN_RESET_SUBJECT if by_admin else "Reset your Fairway password"
    queue_mail("reset", user.email, subject, "reset", user=user, token=token, by_admin=by_admin)


def reset_by_admin(user: User) -> str:
    """An administrator's reset: retire the password, end every session of the account and
    mail its owner a link saying an admin started it.

    An admin resets because an account is in doubt, so the current password stops working at
    once; the admin never sets or sees a new one. As on ``/reset``, an unverified address gets a
    verification link instead (a reset link would be the first proof that the address is
    theirs); once verified, the owner asks for a reset. Returns the kind of mail queued:
    ``"reset"`` or ``"verify"``. A deactivated account is refused: its links would not work.
    """
    if not user.is_active:
        raise AccountInactive("That account is deactivated; reactivate it first.")
    # Before the link is made: links carry a fingerprint of the hash, so older ones die too.
    user.password_hash = passwords.retired_hash()
    end_sessions(user)
    db.session.flush()
    if not user.email_verified:
        send_verification(user, by_admin=True)
        return tokens.VERIFY
    _mail_reset_link(user, by_admin=True)
    return tokens.RESET


def user_for_reset(token: str) -> User:
    """The user a reset token is good for, or TokenInvalid."""
    user_id, fingerprint = tokens.read_token(tokens.RESET, token)
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.is_active
        or not tokens.matches(tokens.RESET, user, user.email, fingerprint)
    ):
        raise tokens.TokenInvalid(tokens.RESET)
    return user


def set_password(user: User, new_password: str) -> None:
    """Store a new password and end every session of the user (the caller may sign the
    current browser back in)."""
    user.password_hash = passwords.hash_password(new_password)
    end_sessions(user)
    db.session.flush()
    password_changed.send(_app(), user=user)


# --- settings ----------------------------------------------------------------------------


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current_password):
        raise WrongPassword("Your current password is not right.")
    set_password(user, new_password)


def change_username(user: User, username: str) -> None:
    username = normalize_username(username)
    if username == user.username:
        return
    taken = db.session.scalar(sa.select(User.id).where(User.username == username))
    if taken is not None:
        raise UsernameTaken("That username is taken.")
    user.username = username
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise UsernameTaken("That username is taken.") from None


def choose_timezone(user: User, name: str | None) -> None:
    """Show the player times in zone ``name`` (an IANA name the form checked), or, with None,
    in the default: their home zip's zone, else UTC (``app.core.zones.zone_of``)."""
    if name and zones.zone_named(name) is None:
        raise IdentityError("That is not a time zone we know.")
    user.timezone = name or None
    db.session.flush()
    zones.forget_viewer_zone()


def change_email(user: User, email: str, password: str) -> None:
    """Hold the new address as pending and mail it a verification link; the current
    address stays until the new one is confirmed."""
    if not passwords.verify_password(user.password_hash, password):
        raise WrongPassword("Your password is not right.")
    email = normalize_email(email)
    if email == user.email:
        user.pending_email = None
        return
    if user_by_email(email) is not None:
        # Same answer as for a free address; the holder of that address learns nothing either.
        return
    user.pending_email = email
    db.session.flush()
    send_verification(user)


def deactivate(user: User) -> None:
    """Switch an account off and end its sessions; its rows stay."""
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
    end_sessions(user)
    db.session.flush()
    user_deactivated.send(_app(), user=user)


def reactivate(user: User) -> None:
    user.deactivated_at = None
    db.session.flush()


def delete_account(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise WrongPassword("Your password is not right.")
    deactivate(user)

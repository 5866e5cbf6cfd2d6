"""Accounts and the record of login attempts."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import AnonymousUserMixin, UserMixin

from app.clock import utcnow
from app.extensions import db

ROLE_USER, ROLE_ADMIN = "user", "admin"


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('user', 'admin')", name="role"),
        sa.CheckConstraint("username = lower(username)", name="username_lower"),
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(30), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    pending_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(10), default=ROLE_USER)
    # Rotated to end every session (and remember cookie) of the user at once.
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(32), unique=True, default=new_session_token
    )
    email_verified_at: so.Mapped[datetime | None]
    deactivated_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]
    # The IANA zone the player chose; None: not chosen (app.core.zones.zone_of picks the default).
    timezone: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    def get_id(self) -> str:
        """Sessions hold this token, not the id, so rotating it signs the user out everywhere."""
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.deactivated_at is None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def can(self, role: str) -> bool:
        return self.is_active and (self.role == role or self.role == ROLE_ADMIN)

    @property
    def status(self) -> str:
        if not self.is_active:
            return "deactivated"
        return "verified" if self.email_verified else "unverified"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class AnonymousUser(AnonymousUserMixin):
    """The visitor who is not signed in: can do nothing, so templates never test for None."""

    is_admin = False
    email_verified = False

    def can(self, role: str) -> bool:
        return False


OUTCOMES = ("success", "bad_password", "unknown_login", "inactive", "rate_limited")


class LoginAttempt(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_created_at", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    login_hash: so.Mapped[str] = so.mapped_column(sa.String(32))
    ip_hash: so.Mapped[str] = so.mapped_column(sa.String(32))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)

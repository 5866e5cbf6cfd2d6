"""What a person does in the browser, in a few words: sign up, sign in, follow a mailed link.
Every step finds things the way a person does: by role, label and visible text."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from playwright.sync_api import expect

from app.clock import utcnow
from app.extensions import db
from app.identity import passwords
from app.identity.models import User
from app.profiles import services as profiles
from tests.support import PASSWORD

WELCOME = "Welcome to Fairway! We've sent you a link to confirm your email address."


@cache
def _password_hash(password: str) -> str:
    return passwords.hash_password(password)


def make_member(username: str, role: str = "user", password: str = PASSWORD, zip: str | None = None,
                **profile: Any) -> User:
    """A verified account with its profile, committed (faster than signing up in the browser)."""
    user = User(username=username, email=f"{username}@example.com", password_hash=_password_hash(password),
                email_verified_at=utcnow(), role=role)
    db.session.add(user)
    db.session.flush()
    row = profiles.create_profile(user)
    if zip:
        place = profiles.geo.place_for_zip(zip)
        assert place is not None, zip
        row.zip, row.city, row.state = place.zip, place.city, place.state
        row.latitude, row.longitude = place.latitude, place.longitude
    for name, value in profile.items():
        setattr(row, name, value)
    db.session.commit()
    return user


def sign_in(page: Any, login: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status").filter(has_text="You're signed out.")).to_be_visible()


def fill_sign_up(page: Any, username: str, email: str | None = None, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email or f"{username}@example.com")
    page.get_by_label("Password").fill(password)


def mailed_link(body: str, kind: str) -> str:
    """The absolute ``/verify/...`` or ``/reset/...`` link in a mail, as the reader would click it."""
    match = re.search(rf"https?://\S+/{kind}/\S+", body)
    assert match, f"no {kind} link in: {body!r}"
    return match.group(0)


def nav_link(page: Any, label: str) -> Any:
    """A link of the main navigation, whatever its unread count."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(rf"^{label}\b"))

"""What a person does in the browser, in a few words: sign up, sign in, follow a mailed link.
Every step finds things the way a person does: by role, label and visible text."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.factories import make_member  # noqa: F401  (the journeys import it from here)
from tests.support import PASSWORD

WELCOME = "Welcome to Fairway! We've sent you a link to confirm your email address."


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

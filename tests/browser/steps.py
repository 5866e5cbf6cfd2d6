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


def open_account_menu(page: Any) -> None:
    """Open the account menu (a ``<details>``), where Settings, Sign out and the like live."""
    page.locator("details.account").evaluate("menu => { menu.open = true; }")


def account_menu(page: Any) -> Any:
    """The account menu's button, there whenever someone is signed in."""
    return page.locator("details.account summary")


def sign_out(page: Any) -> None:
    open_account_menu(page)
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
    """A link of the main navigation, whatever its unread count; a link of the account menu
    opens that menu first."""
    name = re.compile(rf"^{label}\b")
    page.wait_for_load_state()
    if page.locator("details.account .account-links a", has_text=name).count():
        open_account_menu(page)
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)

"""The pages still work under the Content-Security-Policy and Permissions-Policy: Chromium visits
every page signed in (as an admin, so the admin pages too) and the landing page anonymously,
uses what ``static/app.js`` adds (the menu, the copy button, focus on a field to fix) and the QR
code, and reports no policy violation, no policy header error and no script error."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.steps import sign_in
from tests.security.test_headers import concrete, page_rules, world

#: Recorded in the page before any of its own script runs (Playwright's init scripts are not
#: subject to the page's policy), read after the page is done.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
                           + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Permissions.Policy|Refused to", re.IGNORECASE)


class Watch:
    """Everything a page said about the policies, and its script errors."""

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page = page

    def console(self, message: Any) -> None:
        if POLICY_MESSAGE.search(message.text) or message.type == "error" and "Refused" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def visit(self, path: str) -> None:
        self.page.goto(path)
        self.check(path)

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__violations || []")
        self.problems.extend(f"{where}: {v}" for v in violations)
        # app.js ran: script-src 'self' lets the site's own script through.
        assert self.page.evaluate("document.documentElement.classList.contains('js')"), where


def test_every_page_works_under_the_policies(app, new_page, shots):
    values = world(app)
    admin = new_page(permissions=["clipboard-read", "clipboard-write"])
    watch = Watch(admin)
    sign_in(admin, "root")
    visited = 0
    for rule in page_rules():
        path = concrete(rule, values)
        watch.visit(path)
        visited += 1
    assert visited >= 35

    # The copy button writes the link to the clipboard (clipboard-write stays on for Fairway).
    watch.visit("/referrals")
    link = admin.get_by_label("Your link").input_value()
    admin.get_by_role("button", name="Copy link").click()
    expect(admin.get_by_role("button", name="Copied!")).to_be_visible()
    assert admin.evaluate("navigator.clipboard.readText()") == link
    # The QR code, a data: image, is shown.
    qr = admin.get_by_role("img", name="QR code for your referral link")
    expect(qr).to_be_visible()
    assert admin.evaluate("document.querySelector('img.qr').naturalWidth") > 0
    shots(admin, "referrals-under-policy")

    # A letter avatar keeps its size now that it comes from the stylesheet, not a style attribute.
    watch.visit("/u/bob")
    box = admin.locator(".avatar-empty").first.bounding_box()
    assert box is not None and round(box["width"]) == 128 and round(box["height"]) == 128

    # A form that comes back with errors puts the cursor on the first field to fix.
    watch.visit("/settings")
    admin.get_by_role("button", name="Change password").click()
    watch.check("/settings (errors)")
    expect(admin.locator('[aria-invalid="true"]').first).to_be_focused()

    assert watch.problems == []


def test_the_landing_page_and_the_menu_work_anonymously_on_a_phone(app, new_page, shots):
    phone = new_page(width=375, height=740)
    watch = Watch(phone)
    watch.visit("/")
    toggle = phone.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    shots(phone, "menu-open-under-policy")
    for path in ("/login", "/register", "/reset", "/help", "/no-such-page"):
        watch.visit(path)
    assert watch.problems == []

"""Asking first in a browser: with JavaScript a <dialog> asks and "Keep it" sends nothing;
without JavaScript the same button leads to the confirm page, whose button does it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import make_member, sign_in
from tests.browser.test_security_policy import Watch


def reactivate(page):  # type: ignore[no-untyped-def]
    return page.get_by_role("row").filter(has_text="jude").get_by_role("button", name="Reactivate")


def test_a_dialog_asks_before_deactivating(new_page):
    make_member("root", admin=True)
    make_member("jude")
    page = new_page()
    watch = Watch(page)
    sign_in(page, "root")
    page.goto("/admin/users?q=jude")
    row = page.get_by_role("row").filter(has_text="jude")
    row.get_by_role("button", name="Deactivate").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Deactivate this account?")
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    expect(row.get_by_role("button", name="Deactivate")).to_be_visible()

    row.get_by_role("button", name="Deactivate").click()
    dialog.get_by_role("button", name="Deactivate").click()
    expect(reactivate(page)).to_be_visible()
    watch.check("admin users")
    assert watch.problems == []


def test_without_javascript_the_confirm_page_asks(new_page):
    make_member("root", admin=True)
    make_member("jude")
    page = new_page(java_script_enabled=False)
    sign_in(page, "root")
    page.goto("/admin/users?q=jude")
    row = page.get_by_role("row").filter(has_text="jude")
    expect(row.get_by_role("button", name="Deactivate")).to_be_hidden()
    row.get_by_role("link", name="Deactivate").click()
    expect(page).to_have_url(re.compile(r"/confirm\?do="))
    expect(page.get_by_text("Deactivate this account?")).to_be_visible()
    page.get_by_role("button", name="Deactivate").click()
    expect(reactivate(page)).to_be_visible()
    page.wait_for_load_state("networkidle")

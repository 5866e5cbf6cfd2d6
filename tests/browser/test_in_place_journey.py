"""In place with htmx, in a real browser: following, a fist bump, a mute, an availability slot and a
message change the page where they are, without loading a new document, under the strict CSP
(no violation, no script error), and with JavaScript off every one still works as a full page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.steps import make_member, sign_in
from tests.browser.test_security_policy import Watch


def documents_loaded(page: Any) -> list[str]:
    """Count whole-document loads of the main frame (an htmx swap is not one)."""
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    return loads


def test_actions_swap_in_place_without_a_reload_or_a_policy_violation(new_page, shots):
    make_member("ann", zip="94103")
    make_member("bob", zip="94110")
    page = new_page(width=375)
    watch = Watch(page)
    sign_in(page, "ann")

    page.goto("/u/bob")
    watch.check("/u/bob")
    page.evaluate("window.__sameDocument = true")
    loads = documents_loaded(page)
    panel = page.locator("#following-panel")
    panel.get_by_role("button", name="Follow", exact=True).click()
    expect(panel.get_by_role("status")).to_have_text("You follow bob now.")
    expect(panel.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(panel).to_contain_text("1 follower")
    panel.get_by_role("button", name="Fist bump").click()
    expect(panel.get_by_role("status")).to_have_text("You fist bumped bob.")
    expect(panel.get_by_role("button", name="Fist bump")).to_be_disabled()
    safety = page.locator("#safety-panel")
    safety.get_by_role("button", name="Mute", exact=True).click()
    expect(safety.get_by_role("status")).to_have_text("You muted bob. They won't know.")
    safety.get_by_role("button", name="Unmute").click()
    expect(safety.get_by_role("status")).to_have_text("You unmuted bob.")
    expect(safety.get_by_role("button", name="Mute", exact=True)).to_be_visible()
    assert page.evaluate("window.__sameDocument === true") and loads == []
    shots(page, "profile-in-place")

    page.goto("/availability")
    page.evaluate("window.__sameDocument = true")
    loads = documents_loaded(page)
    first = page.locator("#availability-grid button").first
    slot_id = first.get_attribute("id")
    first.click()
    marked = page.locator(f"#{slot_id}")
    expect(marked).to_have_text("Free")
    expect(marked).to_be_focused()
    marked.click()
    expect(page.locator(f"#{slot_id}")).to_have_text("Mark")
    assert page.evaluate("window.__sameDocument === true") and loads == []

    page.goto("/messages/bob")
    page.evaluate("window.__sameDocument = true")
    loads = documents_loaded(page)
    box = page.get_by_label("Message")
    expect(box).to_be_focused()
    box.fill("Nine holes on Saturday?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message.mine")).to_have_count(1)
    expect(page.locator(".message.mine")).to_contain_text("Nine holes on Saturday?")
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.get_by_label("Message")).to_be_focused()
    assert page.evaluate("window.__sameDocument === true") and loads == []
    shots(page, "message-in-place")

    watch.check("after the in-place actions")
    assert watch.problems == []


def test_without_javascript_the_same_actions_load_full_pages(new_page):
    make_member("ann", zip="94103")
    make_member("bob", zip="94110")
    page = new_page(java_script_enabled=False)
    sign_in(page, "ann")
    page.goto("/u/bob")
    page.get_by_role("button", name="Follow", exact=True).click()
    expect(page).to_have_url(re.compile(r"/u/bob$"))
    expect(page.locator(".flash")).to_have_text("You follow bob now.")
    page.get_by_role("button", name="Mute", exact=True).click()
    expect(page).to_have_url(re.compile(r"/u/bob$"))
    expect(page.locator(".flash")).to_have_text("You muted bob. They won't know.")
    page.goto("/messages/bob")
    page.get_by_label("Message").fill("Hello there")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message.mine")).to_contain_text("Hello there")
    page.wait_for_load_state("networkidle")


def test_the_unread_badge_updates_without_a_reload(new_page):
    make_member("ann", zip="94103")
    make_member("bob", zip="94110")
    reader = new_page()
    watch = Watch(reader)
    sign_in(reader, "bob")
    reader.goto("/players")
    reader.evaluate("window.__sameDocument = true")
    nav = reader.get_by_role("navigation", name="Main")
    messages = nav.get_by_role("link", name=re.compile(r"^Messages"))
    expect(messages).to_have_accessible_name("Messages")

    writer = new_page()
    sign_in(writer, "ann")
    writer.goto("/messages/bob")
    writer.get_by_label("Message").fill("Nine holes on Saturday?")
    writer.get_by_role("button", name="Send").click()
    expect(writer.locator(".message.mine")).to_have_count(1)

    expect(messages).to_have_accessible_name("Messages, 1 unread", timeout=15_000)
    expect(messages.locator(".badge")).to_have_text("1")
    assert reader.evaluate("window.__sameDocument === true")
    watch.check("/players after the poll")
    assert watch.problems == []

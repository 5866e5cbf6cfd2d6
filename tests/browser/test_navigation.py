"""The navigation: at most six primary links and an account menu that greets the player by
their display name with the @username beside it; Escape closes the account menu and the phone
menu and gives focus back to what opened them."""

from __future__ import annotations

from playwright.sync_api import expect

from app.core.nav import PRIMARY_MOST
from tests.browser.steps import account_menu, make_member, sign_in


def test_six_primary_links_and_an_account_menu(new_page):
    make_member("ann", zip="94103", display_name="Ann Birdie")
    make_member("root", admin=True, zip="94103", display_name="Rita Root")
    page = new_page()
    sign_in(page, "root")
    page.goto("/players")
    links = page.locator(".nav-links > a")
    expect(links.first).to_be_visible()
    assert 0 < links.count() <= PRIMARY_MOST
    menu = account_menu(page)
    expect(menu).to_have_text("RR Rita Root @root")
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    menu.click()
    for label in ("My profile", "Availability", "Referrals", "Help", "Admin", "Settings"):
        expect(page.locator(".account-links").get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    expect(menu).to_be_focused()


def test_escape_closes_the_phone_menu_and_focus_returns(new_page):
    make_member("ann", zip="94103", display_name="Ann Birdie")
    page = new_page(width=375, height=740)
    sign_in(page, "ann")
    toggle = page.get_by_role("button", name="Menu")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    players = page.get_by_role("navigation", name="Main").get_by_role("link", name="Players")
    expect(players).to_be_visible()
    players.focus()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(players).to_be_hidden()
    expect(toggle).to_be_focused()

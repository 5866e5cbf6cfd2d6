"""Journey 3 in Chromium: an admin finds a player and sends a password reset; the player sets
a new password from the mail and signs in with it; the old one no longer works."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import account_menu, mailed_link, make_member, nav_link, sign_in, sign_out
from tests.support import PASSWORD

NEW_PASSWORD = "birdie-on-the-back-nine-71"
NO_MATCH = "That username or email and password don't match an account."


def test_an_admin_reset_lets_the_player_choose_a_new_password(new_page, inbox, shots):
    make_member("root", admin=True)
    make_member("jude")
    make_member("judith")

    admin = new_page()
    sign_in(admin, "root")
    nav_link(admin, "Admin").click()
    expect(admin.get_by_role("heading", name="Users")).to_be_visible()
    admin.get_by_label("Username or email").fill("jude@")
    admin.get_by_role("button", name="Search").click()
    expect(admin.get_by_text("1 account matching")).to_be_visible()
    row = admin.get_by_role("row").filter(has_text="jude@example.com")
    expect(row).to_contain_text("verified")
    shots(admin, "found-user")

    row.get_by_role("button", name="Reset password").click()
    admin.get_by_role("dialog").get_by_role("button", name="Reset password").click()  # it asks first
    expect(admin.get_by_role("status")).to_have_text(
        "jude's password no longer works; they are signed out everywhere and have been mailed a "
        "reset link."
    )
    shots(admin, "reset-sent")

    mail = inbox("jude@example.com", "reset")
    player = new_page()
    player.goto(mailed_link(mail.body, "reset"))
    expect(player.get_by_role("heading", name="Choose a new password")).to_be_visible()
    player.get_by_label("New password").fill("short")
    player.get_by_role("button", name="Save my new password").click()
    field = player.get_by_label("New password")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description("At least 8 characters. Use at least 8 characters.")
    shots(player, "new-password-refused")

    player.get_by_label("New password").fill(NEW_PASSWORD)
    player.get_by_role("button", name="Save my new password").click()
    expect(player.get_by_role("status")).to_have_text("Your password is changed. Sign in with the new one.")
    shots(player, "password-changed")

    player.get_by_label("Username or email").fill("jude")
    player.get_by_label("Password").fill(PASSWORD)
    player.get_by_role("button", name="Sign in").click()
    expect(player.get_by_text(NO_MATCH)).to_be_visible()
    expect(player.get_by_label("Password")).to_be_focused()
    shots(player, "old-password-refused")

    sign_in(player, "jude", NEW_PASSWORD)
    expect(account_menu(player)).to_be_visible()
    sign_out(player)
    shots(player, "signed-in-and-out")

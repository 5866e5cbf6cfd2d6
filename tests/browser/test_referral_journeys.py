"""Journeys 1 and 2 in Chromium: a friend's referral link to a confirmed account credited to
the friend; sharing, copying and rotating a link whose old form keeps working."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import (
    WELCOME,
    account_menu,
    fill_sign_up,
    mailed_link,
    make_member,
    nav_link,
    sign_in,
)


def referral_link(page) -> str:
    return page.get_by_label("Your link").input_value()


def test_a_friends_link_leads_to_a_confirmed_account_credited_to_the_friend(new_page, inbox, shots):
    make_member("fern")
    friend = new_page()
    sign_in(friend, "fern")
    friend.goto("/referrals")
    link = referral_link(friend)
    code = link.rsplit("/", 1)[1]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/r/[A-Z2-9]{6,}", link), link
    expect(friend.get_by_text("Nobody yet")).to_be_visible()

    newcomer = new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join Fairway")).to_be_visible()
    expect(newcomer.get_by_label("Invite or referral code")).to_have_value(code)
    shots(newcomer, "register-with-code")

    fill_sign_up(newcomer, "gus")
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_role("status")).to_have_text(WELCOME)
    expect(account_menu(newcomer)).to_be_visible()
    shots(newcomer, "signed-up")

    mail = inbox("gus@example.com", "confirm")
    newcomer.goto(mailed_link(mail.body, "verify"))
    expect(newcomer.get_by_role("status")).to_have_text("Your email address is confirmed. Thanks!")
    shots(newcomer, "confirmed")

    friend.reload()
    referred = friend.get_by_role("listitem").filter(has=friend.get_by_role("link", name="gus"))
    expect(referred).to_contain_text("verified")
    expect(referred).not_to_contain_text("not verified")
    expect(friend.get_by_role("definition").filter(has_text=re.compile(r"^1$"))).to_have_count(3)
    shots(friend, "friend-credited")


def test_copy_qr_and_rotate_keep_the_old_link_working(new_page, shots):
    make_member("hana")
    player = new_page(permissions=["clipboard-read", "clipboard-write"])
    sign_in(player, "hana")
    nav_link(player, "Referrals").click()
    expect(player.get_by_role("heading", name="Invite your golf friends")).to_be_visible()
    old_link = referral_link(player)

    copy = player.get_by_role("button", name="Copy link")
    copy.click()
    expect(player.get_by_role("button", name="Copied!")).to_be_visible()
    assert player.evaluate("navigator.clipboard.readText()") == old_link

    qr = player.get_by_role("img", name="QR code for your referral link")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    shots(player, "referrals")

    player.get_by_role("button", name="Get a new link").click()
    player.get_by_role("dialog").get_by_role("button", name="Get a new link").click()  # it asks first
    expect(player.get_by_role("status")).to_contain_text("You have a new referral link")
    new_link = referral_link(player)
    assert new_link != old_link
    shots(player, "rotated")

    visitor = new_page()
    visitor.goto(old_link)
    expect(visitor.get_by_role("heading", name="Join Fairway")).to_be_visible()
    expect(visitor.get_by_label("Invite or referral code")).to_have_value(old_link.rsplit("/", 1)[1])
    fill_sign_up(visitor, "ivo")
    visitor.get_by_role("button", name="Create my account").click()
    expect(visitor.get_by_role("status")).to_have_text(WELCOME)

    player.reload()
    referred = player.get_by_role("listitem").filter(has=player.get_by_role("link", name="ivo"))
    expect(referred).to_contain_text("not verified yet")
    shots(player, "attributed-through-old-link")

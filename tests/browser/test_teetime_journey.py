"""A host shares a tee time's link; a new visitor registers from it, confirms the address, and
appears in the round as a confirmed player, credited to the host as a referral."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.steps import WELCOME, fill_sign_up, mailed_link, make_member, sign_in


def test_a_visitor_joins_a_round_from_its_link(new_page, inbox, shots):
    make_member("hal", zip="94103")
    host = new_page()
    sign_in(host, "hal")
    host.goto("/tee-times/new")
    host.get_by_label("Course", exact=True).fill("Lincoln Park")
    host.get_by_label("Date (YYYY-MM-DD)").fill((date.today() + timedelta(days=3)).isoformat())
    host.get_by_label("Open spots").fill("2")
    host.get_by_role("button", name="Post tee time").click()
    expect(host.get_by_role("heading", name="Lincoln Park")).to_be_visible()
    expect(host.get_by_text("2 of 2 spots open")).to_be_visible()
    link = host.get_by_label("Share this link to fill the round").input_value()
    assert re.search(r"/t/[A-Z2-9]+$", link)
    expect(host.get_by_role("img", name="QR code for this round's link")).to_be_visible()
    expect(host.get_by_role("button", name="Copy link")).to_be_visible()
    shots(host, "round-posted")

    visitor = new_page()
    visitor.goto(link)
    expect(visitor.get_by_role("heading", name="Lincoln Park")).to_be_visible()
    visitor.get_by_role("link", name="Join Fairway and claim a spot").click()
    expect(visitor.get_by_role("heading", name="Join Fairway")).to_be_visible()
    fill_sign_up(visitor, "ivy")
    visitor.get_by_role("button", name="Create my account").click()
    expect(visitor.get_by_role("status").filter(has_text="You have a spot in hal's round")).to_be_visible()
    expect(visitor.get_by_role("status").filter(has_text=WELCOME)).to_be_visible()
    shots(visitor, "signed-up-from-round")

    visitor.goto(link)
    expect(visitor.get_by_role("listitem").filter(has_text="ivy")).to_contain_text(
        "waiting for email confirmation")
    mail = inbox("ivy@example.com", "confirm")
    visitor.goto(mailed_link(mail.body, "verify"))
    expect(visitor.get_by_role("status").filter(has_text="Your email address is confirmed")).to_be_visible()

    visitor.goto(link)
    expect(visitor.get_by_role("listitem").filter(has_text="ivy")).to_contain_text("confirmed")
    expect(visitor.get_by_role("listitem").filter(has_text="ivy")).not_to_contain_text("waiting")
    shots(visitor, "in-the-round")

    # The round's chat: a post goes in place (htmx), links become links, the host reads it.
    visitor.get_by_label("Write to the players").fill("I can drive. Parking: https://example.com/lot")
    visitor.get_by_role("button", name="Post").click()
    thread = visitor.locator("#thread")
    expect(thread.get_by_role("link", name="https://example.com/lot")).to_be_visible()
    expect(visitor.get_by_label("Write to the players")).to_have_value("")
    shots(visitor, "round-chat")

    host.reload()
    expect(host.get_by_text("1 of 2 spots open")).to_be_visible()
    expect(host.locator("#thread")).to_contain_text("I can drive.")
    host.goto("/referrals")
    expect(host.get_by_role("listitem").filter(has=host.get_by_role("link", name="ivy"))).to_be_visible()
    shots(host, "host-credited")

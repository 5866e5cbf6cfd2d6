"""Invite-only sign-up with an invite code, and two players writing to each other while the
unread badge in the navigation follows along."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.referrals import services as referrals
from tests.browser.steps import WELCOME, account_menu, fill_sign_up, make_member, nav_link, sign_in


class TestInviteOnly:
    @pytest.fixture
    def config_overrides(self, config_overrides):
        return {**config_overrides, "REGISTRATION_MODE": "invite_only"}

    def test_a_visitor_needs_the_invite_code_to_join(self, new_page, shots):
        [invite] = referrals.mint_invites(note="for kit")
        code = invite.code
        db.session.commit()

        visitor = new_page()
        visitor.goto("/register")
        code_field = visitor.get_by_label("Invite or referral code")
        expect(code_field).to_have_accessible_description("Invite-only sign-up needs one.")
        fill_sign_up(visitor, "kit")
        visitor.get_by_role("button", name="Create my account").click()
        expect(code_field).to_be_focused()
        expect(code_field).to_have_attribute("aria-invalid", "true")
        refusal = "Fairway is invite-only for now: enter an invite or referral code."
        expect(visitor.get_by_text(refusal)).to_be_visible()
        expect(code_field).to_have_accessible_description(f"Invite-only sign-up needs one. {refusal}")
        shots(visitor, "code-missing")

        visitor.get_by_label("Password").fill("fairway-test-pass-93")
        code_field.fill(code.lower())
        visitor.get_by_role("button", name="Create my account").click()
        expect(visitor.get_by_role("status")).to_have_text(WELCOME)
        expect(account_menu(visitor)).to_be_visible()
        shots(visitor, "joined-with-invite")

        again = new_page()
        again.goto("/register")
        fill_sign_up(again, "lou")
        again.get_by_label("Invite or referral code").fill(code)
        again.get_by_role("button", name="Create my account").click()
        expect(again.get_by_label("Invite or referral code")).to_be_focused()
        expect(again.get_by_text("That invite has been used up.")).to_be_visible()
        expect(again.get_by_role("button", name="Sign out")).to_have_count(0)
        shots(again, "used-code-refused")


def test_two_players_exchange_messages_and_the_badge_follows(new_page, shots):
    make_member("mia")
    make_member("ned")
    mia = new_page()
    sign_in(mia, "mia")
    nav_link(mia, "Messages").click()
    expect(mia.get_by_text("No messages yet")).to_be_visible()
    expect(mia.get_by_role("link", name="Find players")).to_be_visible()
    shots(mia, "empty-inbox")

    mia.goto("/u/ned")
    mia.get_by_role("link", name="Message ned").click()
    mia.get_by_label("Message").fill("Fancy nine holes on Saturday morning?")
    mia.get_by_role("button", name="Send").click()
    expect(mia.get_by_text("Fancy nine holes on Saturday morning?")).to_be_visible()
    shots(mia, "sent")
    mia.get_by_role("link", name="All messages").click()
    expect(mia.get_by_role("listitem").filter(has_text="@ned")).to_contain_text("You: Fancy nine holes")

    ned = new_page()
    sign_in(ned, "ned")
    expect(nav_link(ned, "Messages")).to_have_accessible_name("Messages, 1 unread")
    ned.reload()
    expect(nav_link(ned, "Messages")).to_have_accessible_name("Messages, 1 unread")
    shots(ned, "badge-one-unread")
    nav_link(ned, "Messages").click()
    ned.get_by_role("link", name="mia", exact=True).click()
    expect(ned.get_by_text("Fancy nine holes on Saturday morning?")).to_be_visible()
    ned.get_by_label("Message").fill("Yes! 8:10 tee time works for me.")
    ned.get_by_role("button", name="Send").click()
    expect(ned.get_by_text("Yes! 8:10 tee time works for me.")).to_be_visible()
    ned.reload()
    expect(nav_link(ned, "Messages")).to_have_accessible_name("Messages")
    shots(ned, "replied")

    expect(nav_link(mia, "Messages")).to_have_accessible_name("Messages")
    mia.reload()
    expect(nav_link(mia, "Messages")).to_have_accessible_name("Messages, 1 unread")
    conversation = mia.get_by_role("listitem").filter(has_text="@ned")
    expect(conversation).to_contain_text("Yes! 8:10 tee time works for me.")
    shots(mia, "inbox-with-reply")

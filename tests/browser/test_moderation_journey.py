"""Journey in Chromium: a player reports a message from the conversation; an admin finds it in
the moderation queue with the messages around it and warns the sender, who gets a notice and
a mail; the reporter hears it was handled."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.messaging import services as messaging
from tests.browser.steps import make_member, nav_link, sign_in
from tests.safety.conftest import user


def test_a_reported_message_is_resolved_by_an_admin(new_page, inbox, shots):
    make_member("root", admin=True)
    make_member("mia")
    make_member("ned")
    messaging.send_message(user("mia"), user("ned"), "Up for a round on Sunday?")
    messaging.send_message(user("ned"), user("mia"), "Only if you pay me first, loser.")
    db.session.commit()

    mia = new_page()
    sign_in(mia, "mia")
    mia.goto("/messages/ned")
    mia.get_by_text("Report", exact=True).click()
    mia.get_by_label("Why?").select_option("harassment")
    mia.get_by_label("Details (optional)").fill("Rude and asks for money.")
    mia.get_by_role("button", name="Send report").click()
    expect(mia.get_by_role("status")).to_have_text("Thanks for telling us. An admin will look at it.")
    shots(mia, "reported")

    admin = new_page()
    sign_in(admin, "root")
    nav_link(admin, "Admin").click()
    admin.get_by_role("navigation", name="Admin").get_by_role("link", name="Reports").click()
    case = admin.locator("article.report-group")
    expect(case).to_have_count(1)
    expect(case).to_contain_text("Message by ned · 1 report")
    expect(case).to_contain_text("harassment × 1")
    expect(case).to_contain_text("Rude and asks for money.")
    expect(case.locator("li.reported")).to_contain_text("Only if you pay me first, loser.")
    expect(case).to_contain_text("Up for a round on Sunday?")  # the message before it
    shots(admin, "queue")
    case.get_by_label("Action").select_option("warn")
    case.get_by_label("Note").fill("Keep it friendly.")
    case.get_by_role("button", name="Resolve").click()
    expect(admin.get_by_role("status")).to_have_text("Resolved 1 report (warn); the reporters were told.")
    expect(admin.get_by_text("No open reports.")).to_be_visible()
    shots(admin, "resolved")

    mail = inbox("ned@example.com", "warning")
    assert "Keep it friendly." in mail.body
    ned = new_page()
    sign_in(ned, "ned")
    ned.goto("/notifications")
    expect(ned.get_by_text("A warning from the moderators")).to_be_visible()
    mia.goto("/notifications")
    expect(mia.get_by_text("our moderators looked into it and handled it")).to_be_visible()
    shots(mia, "told")

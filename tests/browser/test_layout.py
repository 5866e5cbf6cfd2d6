"""The key pages at a phone's width (375 px) and a laptop's (1280 px): nothing spills sideways,
the navigation folds into a menu on the phone, and each page is photographed.

The photographs go to test-output/screenshots; to refresh the ones in the README, run
``make screenshots`` (FAIRWAY_SCREENSHOTS_DIR=docs/screenshots): small palette PNGs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.messaging import services as messaging
from app.referrals import services as referrals
from tests.browser.conftest import OUTPUT
from tests.browser.steps import make_member, nav_link, sign_in

SCREENSHOTS = Path(os.environ.get("FAIRWAY_SCREENSHOTS_DIR") or OUTPUT.parent / "screenshots")
WIDTHS = {"phone": 375, "laptop": 1280}
#: What a page looks like is the templates' and the CSS's, whichever database and job queue
#: serve it: the embedded run proves it (the pages themselves are tested in both modes).
pytestmark = pytest.mark.one_mode
BIO = "Weekend golfer, early tee times. Happy to walk nine after work. Always up for a game at the muni."


def photograph(page, name: str, width_name: str, full_page: bool = True) -> None:
    """A palette PNG (a fifth of the size), written whole: another run may be writing too."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with Image.open(io.BytesIO(page.screenshot(full_page=full_page))) as shot:
        small = shot.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    path = SCREENSHOTS / f"{name}-{width_name}.png"
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    small.save(partial, format="PNG", optimize=True)
    os.replace(partial, path)


def assert_fits(page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow}px wide in a {width}px window"


@pytest.fixture
def club(app):
    """A few players around San Francisco, a conversation and a referral, so pages have content."""
    ann = make_member("ann", zip="94103", display_name="Ann Birdie", handicap=8.4, bio=BIO, mobility=2)
    make_member("root", admin=True)
    others = [
        make_member("bo", zip="94110", display_name="Bo Eagle", handicap=14.2),
        make_member("cy", zip="94016", display_name="Cy Fairway", handicap=3.1),
        make_member("dee", zip="94607", display_name="Dee Links", handicap=22.0),
    ]
    messaging.send_message(others[0], ann, "Up for the 7:40 at Lincoln Park on Saturday?")
    messaging.send_message(ann, others[1], "Thanks for the round! Same time next week?")
    messaging.send_message(others[1], ann, "Deal. I'll book it.")
    referrals.record_referral(ann.id, others[2], None)
    referrals.on_email_verified(app, others[2])
    db.session.commit()
    return ann


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_key_pages_fit_the_screen(club, new_page, width_name):
    width = WIDTHS[width_name]
    page = new_page(width=width, height=800)

    page.goto("/")
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).headers["content-type"].startswith("image/svg+xml")
    assert_fits(page, width)
    photograph(page, "home", width_name)
    page.goto("/register")
    expect(page.get_by_role("heading", name="Join Fairway")).to_be_visible()
    assert_fits(page, width)
    photograph(page, "register", width_name)

    sign_in(page, "ann")
    menu = page.get_by_role("button", name="Menu")
    if width_name == "phone":
        expect(nav_link(page, "Players")).to_be_hidden()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(nav_link(page, "Players")).to_be_visible()
        photograph(page, "menu", width_name, full_page=False)
        menu.click()
    else:
        expect(menu).to_be_hidden()
        for label in ("Players", "Match", "Messages", "Notifications", "Referrals", "My profile", "Settings"):
            expect(nav_link(page, label)).to_be_visible()
        expect(nav_link(page, "Admin")).to_have_count(0)

    pages = [
        ("timeline", "/", "Hi, Ann Birdie @ann"),
        ("players", "/players?near=94103&radius=50", "Bo Eagle"),
        ("profile", "/u/ann", "Ann Birdie"),
        ("messages", "/messages", "@bo"),
        ("referrals", "/referrals", "dee"),
    ]
    for name, path, seen in pages:
        page.goto(path)
        expect(page.locator("main").get_by_text(seen, exact=True).first).to_be_visible()
        assert_fits(page, width)
        photograph(page, name, width_name)

    admin = new_page(width=width, height=800)
    sign_in(admin, "root")
    admin.goto("/admin/users")
    expect(admin.get_by_role("cell", name="ann").first).to_be_visible()
    assert_fits(admin, width)
    photograph(admin, "admin-users", width_name)

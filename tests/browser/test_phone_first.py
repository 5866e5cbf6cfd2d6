"""Phone first and accessible, measured on every main page.

Every text a player (or an admin) can write is filled to its limit with unbroken 300-character
words (names, bio, messages, round note, course details, invite note, report details, a long
username and email; written through the services the forms call, which is quicker than typing
them, plus searches typed into the URL), then every page a player or an admin opens is loaded
at 375 px: none may be wider than the window. The same pages, at 375 px and 1280 px, get axe-core's
checks (the npm package, pinned, in tests/browser/vendor/axe-core; ``make vendor-axe``): no serious or
critical violation.

The browser's walks (``one_mode``) run in the embedded mode only: how wide a page is and what axe-core
finds are the templates' and the CSS's, not the database's. What does depend on the database, that
texts at their limits are stored and every page shows them without a server error (PostgreSQL, unlike
SQLite, holds a column to its length), is checked in both modes by the same walk over the test client."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.courses import services as courses
from app.extensions import db
from app.following import services as following
from app.messaging import services as messaging
from app.referrals import friend_invites
from app.referrals.attribution import record_referral
from app.referrals.invites import mint_invites
from app.referrals.models import ReferralCode
from app.referrals.waitlist import join_waitlist
from app.safety import reports
from app.teetimes import claims
from app.teetimes import services as teetimes
from tests.browser.steps import make_member, sign_in
from tests.security.test_headers import concrete, page_rules
from tests.support import login as log_in
from tests.support import logout

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
WIDTHS = {"phone": 375, "laptop": 1280}

#: Not a page of its own to look at: a redirect, a file, a one-time link, the metrics.
NOT_LOOKED_AT = {"/metrics", "/t/<code>/calendar.ics", "/r/<code>", "/verify/<token>", "/reset/<token>",
                 "/unsubscribe/<token>", "/confirm", "/welcome/<step>"}


def word(length: int = 300, letter: str = "W") -> str:
    """One unbroken word of wide letters: the worst a layout can be given."""
    return (letter + "m") * (length // 2) + letter * (length % 2)


def words(length: int) -> str:
    """Unbroken 300-character words up to ``length`` characters."""
    parts, left = [], length
    while left > 0:
        size = min(300, left)
        parts.append(word(size))
        left -= size + 1
    return " ".join(parts)


LONG_NAME = "m" * 30  # the longest username there is


@pytest.fixture
def crowded(app):
    """Two players and an admin whose every text is as long and unbroken as it may be, talking,
    following, playing a round, inviting, reporting: so every page has long content."""
    ann = make_member("ann", zip="94103", display_name=word(50),
                      bio=f"https://example.com/{word(280)} {words(690)}")
    root = make_member("root", admin=True, zip="94103", display_name=word(50))
    long = make_member(LONG_NAME, zip="94110", display_name=word(50, "M"), bio=words(1000),
                       handicap=12.3)
    long.email = f"{'m' * 64}@{'m' * 63}.{'m' * 63}.example.com"
    db.session.commit()

    received = messaging.send_message(long, ann, words(2000))
    messaging.send_message(ann, long, f"https://example.com/{word(600)}")
    following.follow(long, ann)
    following.follow(ann, long)
    following.fist_bump(long, ann)

    course = courses.create_course(root, courses.CourseDetails(
        # 100, not the catalog's 120: a round keeps its course's name in 100 characters.
        name=word(100), zip="94132", city="", state="", holes=18, par=72,
        website=f"https://example.com/{word(270)}", contact=word(200), notes=words(2000)))
    details = teetimes.RoundDetails(course=word(100), day=date.today() + timedelta(days=3), slot="morning",
                                    exact=None, spots=3, note=words(500), visibility="link")
    hosted = teetimes.post_tee_time(long, details)
    catalog = teetimes.post_tee_time(ann, teetimes.RoundDetails(
        course="", day=date.today() + timedelta(days=4), slot="twilight", exact=None, spots=2,
        note=word(300), visibility="link", course_id=course.id))
    db.session.commit()
    claims.claim_spot(ann, hosted.id)
    claims.claim_spot(long, catalog.id)

    friend_invites.invite_by_mail(ann, f"{'f' * 64}@example.com", note=word(200))
    mint_invites(count=1, email=f"{'i' * 64}@example.com", note=word(200), created_by=root)
    join_waitlist(f"{'w' * 64}@{'w' * 63}.example.com")
    record_referral(ann.id, long, None)
    reports.file_report(ann, "user", LONG_NAME, "other", words(1000))
    reports.file_report(ann, "teetime", hosted.code, "spam", word(300))
    reports.file_report(ann, "message", str(received.id), "harassment", word(300))
    db.session.commit()
    code = db.session.query(ReferralCode.code).filter_by(user_id=ann.id).scalar() or "NONE"
    return {"username": LONG_NAME, "course_id": str(course.id), "step": "about", "token": "not-a-token",
            "t_code": hosted.code, "r_code": code}


def main_pages(values: dict[str, str]) -> list[str]:
    """Every page of the app (a new route is included by itself), plus searches with long words."""
    urls = [concrete(rule, values) for rule in page_rules() if rule not in NOT_LOOKED_AT]
    urls += [f"/players?q={word(50)}", f"/courses?q={word(60)}", f"/admin/users?q={word(254)}",
             "/messages/ann", f"/u/{LONG_NAME}/followers", "/u/ann"]
    return urls


def run_axe(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.id} (${v.impact}): `
                    + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    return list(found)


#: What spills sideways: the page itself, or a box of it that scrolls sideways (a table in an
#: ``overflow-x: auto`` wrapper hides its overflow from the page's width, not from the player).
WIDTH_CHECK = """() => {
    const width = window.innerWidth, page = document.documentElement.scrollWidth;
    const leaves = el => el.children.length === 0;
    if (page > width) {
        const out = [...document.querySelectorAll("body *")]
            .filter(el => leaves(el) && el.getBoundingClientRect().right > width + 1)
            .slice(0, 3).map(el => el.tagName + "." + el.className);
        return `${page}px wide in ${width}px (${out.join(" | ")})`;
    }
    const scrollers = [...document.querySelectorAll("body *")].filter(el => {
        const style = getComputedStyle(el);
        return ["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
            && !["TEXTAREA", "INPUT", "SELECT"].includes(el.tagName);
    });
    return scrollers.length ? `${scrollers[0].tagName}.${scrollers[0].className} scrolls sideways` : "";
}"""


def walk(new_page, values, width: int, check_axe: bool) -> list[str]:
    """Every page as a player, an admin and a visitor: what spills sideways, or (``check_axe``)
    what axe-core finds serious."""
    problems: list[str] = []
    for login in ("ann", "root", None):
        # axe-core is injected as a script of the test's own: the app's CSP would refuse it.
        page = new_page(width=width, height=800, bypass_csp=check_axe)
        if login:
            sign_in(page, login)
        seen: set[str] = set()
        for url in main_pages(values):
            answer = page.goto(url)
            assert answer is not None and answer.status < 500, (login, url, answer and answer.status)
            if page.url in seen:  # a redirect to a page already looked at (sign in, home)
                continue
            seen.add(page.url)
            wide = "" if check_axe else page.evaluate(WIDTH_CHECK)
            if wide:
                problems.append(f"{login or 'anonymous'} {url[:60]}: {wide}")
            if check_axe:
                problems += [f"{login or 'anonymous'} {url[:60]}: {v}" for v in run_axe(page)]
        page.context.close()
    return problems


def test_every_page_answers_whatever_the_words(crowded, client):
    """The walk's pages through the test client, in both modes: none is a server error."""
    failures = []
    for login_name in ("ann", "root", None):
        if login_name:
            assert log_in(client, login_name).status_code == 303
        for url in main_pages(crowded):
            status = client.get(url, follow_redirects=True).status_code
            if status >= 500:
                failures.append(f"{login_name or 'anonymous'} {url[:60]}: {status}")
        if login_name:
            assert logout(client).status_code == 303
    assert not failures, "\n".join(failures)


@pytest.mark.one_mode
def test_no_page_is_wider_than_a_phone_whatever_the_words(crowded, new_page):
    problems = walk(new_page, crowded, WIDTHS["phone"], check_axe=False)
    assert not problems, "\n".join(problems)


@pytest.mark.one_mode
@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_every_page_has_no_serious_accessibility_violation(crowded, new_page, width_name):
    problems = walk(new_page, crowded, WIDTHS[width_name], check_axe=True)
    assert not problems, "\n".join(problems)


@pytest.mark.one_mode
def test_the_availability_grid_fits_a_phone(crowded, new_page, shots):
    page = new_page(width=WIDTHS["phone"], height=800)
    sign_in(page, "ann")
    page.goto("/availability")
    grid = page.locator("table.availability")
    twilight = grid.get_by_role("columnheader", name="Twilight")
    assert twilight.is_visible()
    box = twilight.bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTHS["phone"], box
    assert grid.evaluate("table => table.scrollWidth <= table.clientWidth + 1")
    last = grid.locator("tbody tr").first.locator("td").last.get_by_role("button")
    button = last.bounding_box()
    assert button is not None and button["x"] + button["width"] <= WIDTHS["phone"], button
    shots(page, "availability-phone")

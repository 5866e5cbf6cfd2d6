"""The Admin link in the top bar is for admins only, and every admin page, the referrals area's
included, carries the same sub-navigation."""

from __future__ import annotations

import re

import pytest

from tests.support import login

SECTIONS = [
    "Users", "Invites", "Referrals", "Waitlist", "Logins", "Jobs", "System", "Audit", "Reports", "Courses",
]
PAGES = {
    "/admin/users": "Users", "/admin/invites": "Invites", "/admin/referrals": "Referrals",
    "/admin/waitlist": "Waitlist", "/admin/logins": "Logins", "/admin/jobs": "Jobs",
    "/admin/system": "System", "/admin/audit": "Audit", "/admin/reports": "Reports",
    "/admin/courses": "Courses",
}


def top_bar(page: str) -> str:
    return page[page.index('<div class="nav-links">'):page.index("</header>")]


def test_the_admin_link_is_for_admins(app, admin, make_user):
    assert '<a href="/admin/users">Admin</a>' in top_bar(admin.get("/").get_data(as_text=True))
    make_user("ann")
    other = app.test_client()
    login(other, "ann")
    bar = top_bar(other.get("/").get_data(as_text=True))
    assert "/admin" not in bar and "Invites" not in bar


@pytest.mark.parametrize("path", PAGES)
def test_every_admin_page_has_the_same_sub_navigation(admin, path):
    page = admin.get(path).get_data(as_text=True)
    nav = re.search(r'<nav class="subnav" aria-label="Admin">(.*?)</nav>', page, re.S)
    assert nav, path
    links = re.findall(r'<a href="(/admin/\w+)"( aria-current="page")?>(\w+)</a>', nav.group(1))
    assert [label for _, _, label in links] == SECTIONS
    assert [label for _, current, label in links if current] == [PAGES[path]]
    assert dict((label, href) for href, _, label in links) == {label: href for href, label in PAGES.items()}

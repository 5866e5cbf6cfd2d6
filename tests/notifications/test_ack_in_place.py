""""Mark read" in place (htmx): with ``HX-Request: true`` the ack answers 200 with the one
notification redrawn as read (the list's own include); without it, 303 to the list as before."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine

from tests.following.players import notifications_of
from tests.notifications.test_notifications import follow
from tests.support import csrf


def test_ack_in_place_answers_the_item_read(make_user, as_user):
    make_user("ann"), make_user("bob")
    follow(as_user("ann"), "bob")
    (notice,) = notifications_of("bob")
    bob = as_user("bob")
    page = bob.get("/notifications").get_data(as_text=True)
    assert f'hx-post="/notifications/{notice.id}/ack" hx-target="#n{notice.id}"' in page
    token = csrf(bob, "/notifications")

    response = bob.post(f"/notifications/{notice.id}/ack", data={"csrf_token": token},
                        headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert html.startswith(f'<li class="notification" id="n{notice.id}">'), html
    assert "ann" in html and "started following you" in html and "Mark read" not in html
    assert "<html" not in html
    assert notifications_of("bob")[0].read_at is not None
    # The same item as the full list now draws it (in the same second as the answer above: the
    # "Follow back" form's CSRF token carries the time it was signed at).
    with time_machine.travel(datetime.now(UTC), tick=False):
        html = bob.post(f"/notifications/{notice.id}/ack", data={"csrf_token": token},
                        headers={"HX-Request": "true"}).get_data(as_text=True).strip()
        after = bob.get("/notifications").get_data(as_text=True)
    item = re.search(rf'<li class="notification" id="n{notice.id}">.*?</li>', after, re.S)
    assert item and re.sub(r"\s+", " ", item.group(0)) == re.sub(r"\s+", " ", html)


def test_ack_without_htmx_redirects_and_others_are_still_404(make_user, as_user):
    make_user("ann"), make_user("bob")
    follow(as_user("ann"), "bob")
    follow(as_user("bob"), "ann")
    (notice,) = notifications_of("bob")
    (anns,) = notifications_of("ann")
    bob = as_user("bob")
    token = csrf(bob, "/notifications")
    plain = bob.post(f"/notifications/{notice.id}/ack", data={"csrf_token": token})
    assert plain.status_code == 303 and plain.headers["Location"] == "/notifications"
    theirs = bob.post(f"/notifications/{anns.id}/ack", data={"csrf_token": token},
                      headers={"HX-Request": "true"})
    assert theirs.status_code == 404 and notifications_of("ann")[0].read_at is None

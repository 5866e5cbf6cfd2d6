"""Views gather what panels show: rendering a page runs no SQL (a template that queried, through
a template global, would show up here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import before_render_template, template_rendered

from app.extensions import db
from app.following import services as following
from tests.teetimes.test_lists import free


@contextmanager
def statements_while_rendering(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    rendering = [False]

    def started(sender, **_):  # type: ignore[no-untyped-def]
        rendering[0] = True

    def finished(sender, **_):  # type: ignore[no-untyped-def]
        rendering[0] = False

    def statement(conn, cursor, sql, *args):  # type: ignore[no-untyped-def]
        if rendering[0]:
            seen.append(sql)

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    sa.event.listen(db.engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(finished, app)


def test_the_profile_and_match_pages_render_without_querying(app, player, as_user, round_of):
    me, mate = player("ann", zip="94103"), player("mate", zip="94110")
    following.follow(me, mate)
    db.session.commit()
    free(me, (2, "morning")), free(mate, (2, "morning"))
    round_of(me, days=2, spots=2)
    client = as_user("ann")
    with statements_while_rendering(app) as seen:
        profile = client.get("/u/mate").get_data(as_text=True)
        match = client.get("/players/match").get_data(as_text=True)
    assert "1</strong> follower" in profile and "Courses played" not in profile
    assert "Invite mate to your tee time" in match
    assert seen == []

"""The pieces areas share from app.core: counts and times as text, the template macros, the
page argument and the per-process cache."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import render_template_string
from werkzeug.exceptions import HTTPException

from app.core.cache import SharedTTLCache
from app.core.text import plural, when
from app.core.views import page_arg, positive_arg


@time_machine.travel(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), tick=False)
def test_plural_and_when_read_the_same_everywhere():
    assert [f"{n} {plural(n, 'player')}" for n in (0, 1, 2)] == ["0 players", "1 player", "2 players"]
    assert plural(2, "person", "people") == "people"
    moment = datetime(2026, 12, 1, 14, 5, 9)
    assert when(moment) == "Tue Dec 1, 2:05 PM UTC"
    assert when(moment, "second") == "Tue Dec 1, 2:05:09 PM UTC"
    assert when(moment, "date") == "Dec 1, 2026"
    assert when(date(2026, 12, 6), "day") == "Sun Dec 6"
    assert when(datetime(2025, 12, 1, 14, 5)) == "Mon Dec 1 2025, 2:05 PM UTC"  # another year


@time_machine.travel(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), tick=False)
def test_the_filters_and_macros_render(app):
    with app.test_request_context():
        text = render_template_string(
            "{{ 1|plural('spot') }} {{ 3|plural('spot') }} {{ moment|when }}",
            moment=datetime(2026, 12, 1, 14, 5),
        )
        assert text == "spot spots Tue Dec 1, 2:05 PM UTC"
        form = render_template_string(
            '{% from "_ui.html" import post_button %}'
            "{{ post_button('/u/ann/fistbump', 'Fist bump', class='small', hidden={'next': '/'},"
            " disabled=true, title='Once every 12 hours') }}"
        )
    assert form.startswith('<form class="inline" method="post" action="/u/ann/fistbump">')
    assert 'name="csrf_token"' in form and '<input type="hidden" name="next" value="/">' in form
    button = '<button class="small" type="submit" disabled title="Once every 12 hours">Fist bump</button>'
    assert button in form


def test_the_pager_keeps_the_query_and_shows_only_when_needed(app):
    class Page:
        def __init__(self, page: int, pages: int) -> None:
            self.page, self.pages = page, pages
            self.has_prev, self.has_next = page > 1, page < pages

    template = '{% from "_ui.html" import pager %}{{ pager(results, "profiles.search", {"q": "ann"}) }}'
    with app.test_request_context():
        assert render_template_string(template, results=Page(1, 1)).strip() == ""
        html = render_template_string(template, results=Page(2, 3))
    assert 'href="/players?q=ann&amp;page=1">← Previous' in html
    assert 'href="/players?q=ann&amp;page=3">Next →' in html and "Page 2 of 3" in html


@pytest.mark.parametrize(("query", "page"), [("", 1), ("?page=", 1), ("?page=7", 7), ("?page=10000", 10_000)])
def test_the_page_argument(app, query, page):
    with app.test_request_context(f"/{query}"):
        assert page_arg() == page


@pytest.mark.parametrize("query", ["?page=0", "?page=-1", "?page=x", "?page=10001", "?page=1.5"])
def test_a_bad_page_is_a_422(app, query):
    with app.test_request_context(f"/{query}"), pytest.raises(HTTPException) as refused:
        page_arg()
    assert refused.value.code == 422


def test_positive_arg_has_its_own_bound(app):
    with app.test_request_context("/?before=123456789012"):
        assert positive_arg("before", None) == 123456789012
        assert positive_arg("after", None) is None


def test_the_shared_cache_keeps_entries_for_a_while_and_a_bounded_number():
    cache: SharedTTLCache[str, int] = SharedTTLCache(0.2, size=2)
    cache.put("a", 1), cache.put("b", 2), cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)
    time.sleep(0.3)
    assert cache.get("c") is None
    never: SharedTTLCache[str, int] = SharedTTLCache(0)
    never.put("a", 1)
    assert never.get("a") is None
    cache.put("d", 4)
    cache.clear()
    assert cache.get("d") is None

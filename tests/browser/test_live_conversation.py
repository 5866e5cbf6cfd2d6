"""An open conversation is live: what the other player sends from their own browser appears
within the poll interval, without a reload, under the strict CSP (htmx polls; no script of
ours), marked read; the reader's own send in place never draws a message twice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.steps import make_member, sign_in
from tests.browser.test_in_place_journey import documents_loaded
from tests.browser.test_security_policy import Watch


@pytest.fixture
def config_overrides(config_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**config_overrides, "MESSAGES_POLL_SECONDS": 1}


def send(page: Any, body: str) -> None:
    page.get_by_label("Message").fill(body)
    page.get_by_role("button", name="Send").click()


def test_messages_from_the_other_player_appear_without_a_reload(new_page, shots):
    make_member("ann", zip="94103")
    make_member("bob", zip="94110")
    reader = new_page(width=375)
    watch = Watch(reader)
    sign_in(reader, "bob")
    reader.goto("/messages/ann")
    expect(reader.get_by_text("Say hello!")).to_be_visible()
    reader.evaluate("window.__sameDocument = true")
    loads = documents_loaded(reader)

    writer = new_page()
    sign_in(writer, "ann")
    writer.goto("/messages")  # starts the conversation from the inbox's "New message" box
    writer.get_by_label("To").fill("bob")
    writer.get_by_role("button", name="Write").click()
    expect(writer).to_have_url(re.compile(r"/messages/bob$"))
    send(writer, "Nine holes on Saturday?")
    expect(writer.locator(".message.mine")).to_have_count(1)

    theirs = reader.locator("#newest .message.theirs")
    expect(theirs).to_have_count(1, timeout=5_000)
    expect(theirs).to_contain_text("Nine holes on Saturday?")
    expect(reader.get_by_text("Say hello!")).to_have_count(0)
    # The poll came back with the next ``after``: the next message comes too, once.
    send(writer, "Or 18?")
    expect(writer.locator(".message.mine")).to_have_count(2)
    expect(theirs).to_have_count(2, timeout=5_000)

    # A reply in place, then more from the other side: each message once, in order.
    send(reader, "Sure, 8 am?")
    expect(reader.locator(".message.mine")).to_have_count(1)
    send(writer, "See you there")
    expect(writer.locator(".message.mine")).to_have_count(3)
    send(writer, "I'll book it")
    expect(writer.locator(".message.mine")).to_have_count(4)
    expect(writer.locator(".message")).to_have_count(5)
    expect(theirs).to_have_count(4, timeout=5_000)
    expect(reader.locator(".message .body")).to_have_text(
        ["Nine holes on Saturday?", "Or 18?", "Sure, 8 am?", "See you there", "I'll book it"])
    assert reader.evaluate("window.__sameDocument === true") and loads == []
    shots(reader, "conversation-live")

    # Read as they arrived: the inbox shows nothing unread for bob.
    reader.goto("/messages")
    expect(reader.locator(".conversation-row.unread")).to_have_count(0)
    watch.check("the live conversation")
    assert watch.problems == []

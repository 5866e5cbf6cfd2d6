"""A full round's waitlist: first in line gets a freed spot held for 2 hours (mail and
notification), then the next; nobody else may take a held spot; the clock (time-machine)
moves the line on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.outbox.models import OutboxMail
from app.teetimes import waitlist
from app.teetimes.models import HELD, WaitlistEntry
from tests.teetimes.conftest import action, claim_of
from tests.teetimes.test_host_actions import notices


def offers_mailed() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(OutboxMail.recipient).where(OutboxMail.kind == "teetime_offer").order_by(OutboxMail.id)
    ))


@pytest.fixture
def full_round(player, as_user, round_of):
    """ann's one-spot round, bob in it, cy then dan on its waitlist."""
    tee_time = round_of(player("ann"), spots=1)
    for name in ("bob", "cy", "dan"):
        player(name)
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    for name in ("cy", "dan"):
        assert action(as_user(name), f"/t/{tee_time.code}/waitlist").status_code == 303
    return tee_time


def test_players_get_in_line_for_a_full_round(full_round, as_user, player):
    code = full_round.code
    assert "number 1 in line" in as_user("cy").get(f"/t/{code}").get_data(as_text=True)
    assert "number 2 in line" in as_user("dan").get(f"/t/{code}").get_data(as_text=True)
    player("eve")
    page = as_user("eve").get(f"/t/{code}").get_data(as_text=True)
    assert "2 players waiting" in page and f'action="/t/{code}/waitlist"' in page
    again = action(as_user("cy"), f"/t/{code}/waitlist")
    assert again.status_code == 409 and "waitlist already" in again.get_data(as_text=True)
    assert action(as_user("ann"), f"/t/{code}/waitlist").status_code == 409
    assert action(as_user("bob"), f"/t/{code}/waitlist").status_code == 409
    assert action(as_user("eve"), "/t/NOSUCH99/waitlist").status_code == 404


def test_a_round_with_an_open_spot_has_no_waitlist(player, as_user, round_of):
    tee_time = round_of(player("ann"), spots=2)
    player("bob")
    refused = action(as_user("bob"), f"/t/{tee_time.code}/waitlist")
    assert refused.status_code == 409 and "claim it instead" in refused.get_data(as_text=True)


def test_a_freed_spot_is_held_for_the_first_in_line(full_round, as_user, mailbox, drain):
    code = full_round.code
    assert action(as_user("bob"), f"/t/{code}/leave").status_code == 303
    assert offers_mailed() == ["cy@example.com"]
    assert ("round_offer", "ann", f"offer:{code}") in notices("cy")
    # The spot is cy's for now: dan (second in line) and anyone else are refused it.
    dan = as_user("dan")
    assert "held for you until" not in dan.get(f"/t/{code}").get_data(as_text=True)
    assert action(dan, f"/t/{code}/claim").status_code == 409
    cy = as_user("cy")
    assert "held for you until Mon Jun 10, 10:00 AM PDT" in cy.get(f"/t/{code}").get_data(as_text=True)
    drain()
    (mail,) = [m for m in mailbox.to("cy@example.com") if "spot opened" in m.subject]
    assert "held for you until Mon Jun 10, 10:00 AM PDT" in mail.body and f"/t/{code}" in mail.body
    assert action(cy, f"/t/{code}/claim").status_code == 303
    assert claim_of(full_round, "cy").status(utcnow()) == HELD
    assert db.session.scalar(sa.select(WaitlistEntry).where(WaitlistEntry.user_id == claim_of(
        full_round, "cy").user_id)) is None


def test_after_two_hours_the_spot_goes_to_the_next(full_round, as_user, clock):
    code = full_round.code
    assert action(as_user("bob"), f"/t/{code}/leave").status_code == 303
    clock.move_to(utcnow() + timedelta(hours=1, minutes=59))
    assert waitlist.advance_waitlists() == 0
    clock.move_to(utcnow() + timedelta(minutes=2))
    assert waitlist.advance_waitlists() == 1
    assert offers_mailed() == ["cy@example.com", "dan@example.com"]
    cy = as_user("cy")
    assert action(cy, f"/t/{code}/claim").status_code == 409
    assert "Your turn on the waitlist passed" in cy.get(f"/t/{code}").get_data(as_text=True)
    assert action(as_user("dan"), f"/t/{code}/claim").status_code == 303


def test_a_lapsed_hold_goes_to_the_line_before_a_passer_by(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), spots=1)
    player("bob", verified=False), player("cy"), player("zed")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{tee_time.code}/waitlist").status_code == 303
    clock.move_to(utcnow() + timedelta(hours=24, minutes=1))  # bob never confirmed: his hold lapsed
    refused = action(as_user("zed"), f"/t/{tee_time.code}/claim")
    assert refused.status_code == 409 and "held for the waitlist" in refused.get_data(as_text=True)
    # The refused claim's transaction is rolled back; the tick hands the spot on.
    assert offers_mailed() == []
    assert waitlist.advance_waitlists() == 1
    assert offers_mailed() == ["cy@example.com"]
    assert action(as_user("cy"), f"/t/{tee_time.code}/claim").status_code == 303


def test_passing_or_leaving_moves_the_line(full_round, as_user):
    code = full_round.code
    assert action(as_user("dan"), f"/t/{code}/waitlist/leave").status_code == 303
    assert action(as_user("dan"), f"/t/{code}/waitlist/leave").status_code == 404
    assert action(as_user("dan"), f"/t/{code}/waitlist").status_code == 303  # back, at the end
    assert action(as_user("ann"), f"/t/{code}/remove/bob").status_code == 303
    assert offers_mailed() == ["cy@example.com"]
    cy = as_user("cy")
    assert f'action="/t/{code}/waitlist/leave"' in cy.get(f"/t/{code}").get_data(as_text=True)
    assert action(cy, f"/t/{code}/waitlist/leave").status_code == 303
    assert offers_mailed() == ["cy@example.com", "dan@example.com"]
    assert action(as_user("dan"), f"/t/{code}/claim").status_code == 303

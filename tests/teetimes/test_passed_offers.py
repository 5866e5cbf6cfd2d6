"""When a spot held for a waitlisted player passes unclaimed, that player (notification and
mail) and the host (notification) hear of it, once, whether the next in line takes the spot
or nobody is waiting."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.outbox.models import OutboxMail
from app.teetimes import waitlist
from tests.teetimes.conftest import action
from tests.teetimes.test_host_actions import notices
from tests.teetimes.test_waitlist import full_round, offers_mailed  # noqa: F401 (a fixture)


def passed_mailed() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(OutboxMail.recipient).where(OutboxMail.kind == "teetime_passed").order_by(OutboxMail.id)
    ))


def passed_notices(username: str) -> list[tuple[str, str, str | None]]:
    return [n for n in notices(username) if n[0] == "round_passed"]


def test_the_passed_player_and_the_host_are_told_once(full_round, as_user, clock, mailbox, drain):  # noqa: F811
    code = full_round.code
    assert action(as_user("bob"), f"/t/{code}/leave").status_code == 303
    clock.move_to(utcnow() + timedelta(hours=1, minutes=59))
    assert waitlist.advance_waitlists() == 0
    assert passed_notices("cy") == [] and passed_mailed() == []
    clock.move_to(utcnow() + timedelta(minutes=2))
    assert waitlist.advance_waitlists() == 1  # dan, next in line, gets the spot
    assert offers_mailed() == ["cy@example.com", "dan@example.com"]
    assert passed_notices("cy") == [("round_passed", "ann", f"passed:{code}")]
    assert passed_notices("ann") == [("round_passed", "cy", f"passedhost:{code}")]
    assert passed_mailed() == ["cy@example.com"]
    # Later ticks and claims tell nobody again.
    assert waitlist.advance_waitlists() == 0
    assert action(as_user("dan"), f"/t/{code}/claim").status_code == 303
    assert passed_mailed() == ["cy@example.com"] and len(passed_notices("ann")) == 1
    drain()
    (mail,) = [m for m in mailbox.to("cy@example.com") if "passed on" in m.subject]
    assert "that time has passed" in mail.body and f"/t/{code}" in mail.body
    listing = as_user("ann").get("/notifications").get_data(as_text=True)
    assert "cy didn't claim the spot held for them" in listing
    listing = as_user("cy").get("/notifications").get_data(as_text=True)
    assert "Your 2 hours to claim the spot in ann's" in listing


def test_told_even_when_nobody_is_next_in_line(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), spots=1)
    player("bob"), player("cy")
    assert action(as_user("bob"), f"/t/{tee_time.code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{tee_time.code}/waitlist").status_code == 303
    assert action(as_user("bob"), f"/t/{tee_time.code}/leave").status_code == 303
    assert offers_mailed() == ["cy@example.com"]
    clock.move_to(utcnow() + timedelta(hours=2, minutes=1))
    assert waitlist.advance_waitlists() == 0
    assert passed_notices("cy") == [("round_passed", "ann", f"passed:{tee_time.code}")]
    assert passed_notices("ann") == [("round_passed", "cy", f"passedhost:{tee_time.code}")]
    assert waitlist.advance_waitlists() == 0
    assert len(passed_notices("cy")) == 1


def test_getting_back_in_line_can_pass_again(player, as_user, round_of, clock):
    tee_time = round_of(player("ann"), spots=1)
    player("bob"), player("cy"), player("dan")
    code = tee_time.code
    assert action(as_user("bob"), f"/t/{code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{code}/waitlist").status_code == 303
    assert action(as_user("bob"), f"/t/{code}/leave").status_code == 303
    clock.move_to(utcnow() + timedelta(hours=2, minutes=1))
    assert action(as_user("dan"), f"/t/{code}/claim").status_code == 303  # the claim tells cy
    assert len(passed_notices("cy")) == 1
    assert action(as_user("dan"), f"/t/{code}/leave").status_code == 303
    assert action(as_user("cy"), f"/t/{code}/waitlist").status_code == 409  # a spot is open
    assert action(as_user("bob"), f"/t/{code}/claim").status_code == 303
    assert action(as_user("cy"), f"/t/{code}/waitlist").status_code == 303
    assert action(as_user("bob"), f"/t/{code}/leave").status_code == 303
    clock.move_to(utcnow() + timedelta(hours=2, minutes=1))
    waitlist.advance_waitlists()
    assert passed_mailed() == ["cy@example.com", "cy@example.com"]

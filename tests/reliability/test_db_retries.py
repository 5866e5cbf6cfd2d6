"""PostgreSQL serialization failures and deadlocks are retried a bounded number of times and
end in a clear answer: never a 500, never more accounts than an invite allows."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from app.core import transactions
from app.extensions import db
from app.identity.models import User
from app.referrals import attribution
from app.referrals import services as referrals
from app.referrals.models import Invite
from tests.reliability.conftest import needs_postgres
from tests.support import PASSWORD, csrf, register

pytestmark = needs_postgres


class SerializationFailure(Exception):
    sqlstate = "40001"


def refusal() -> OperationalError:
    return OperationalError("UPDATE invites ...", {}, SerializationFailure("could not serialize access"))


@pytest.fixture
def config_overrides():
    # SERIALIZABLE makes PostgreSQL abort racing transactions instead of queueing them.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"isolation_level": "SERIALIZABLE", "pool_size": 20},
            "REGISTRATION_MODE": "invite_only", "DB_RETRY_ATTEMPTS": 8}


def test_racing_sign_ups_on_one_invite_under_serializable(app, caplog):
    (invite,) = referrals.mint_invites(uses=3)
    db.session.commit()
    code, players = invite.code, 12
    start = threading.Barrier(players)

    def sign_up(i: int) -> tuple[int, str]:
        # Each visitor in a thread of its own, with a request context per request, as on a server.
        client = app.test_client()
        token = csrf(client, "/register")
        start.wait()
        answer = client.post("/register", data={
            "username": f"racer{i}", "email": f"racer{i}@example.com", "password": PASSWORD,
            "invite_code": code, "csrf_token": token})
        return answer.status_code, answer.get_data(as_text=True)

    caplog.set_level(logging.WARNING, logger="app.core.transactions")
    with ThreadPoolExecutor(max_workers=players) as pool:
        answers = list(pool.map(sign_up, range(players)))

    statuses = [status for status, _ in answers]
    assert all(status in (303, 422, 503) for status in statuses), statuses
    for status, body in answers:
        if status == 503:
            assert "nothing was saved" in body
    db.session.rollback()  # a fresh snapshot: this session's last one predates the race
    made = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert made == statuses.count(303) <= 3
    assert db.session.scalar(sa.select(Invite.uses_left).where(Invite.id == invite.id)) == 3 - made
    # The race was real: PostgreSQL refused some transactions and they were run again.
    assert any("40001" in record.getMessage() for record in caplog.records)


def test_a_refused_transaction_is_run_again(app, client, monkeypatch):
    calls = []
    real = referrals.redeem_invite

    def flaky(code, user):  # type: ignore[no-untyped-def]
        calls.append(code)
        if len(calls) < 3:
            raise refusal()
        return real(code, user)

    monkeypatch.setattr(attribution, "redeem_invite", flaky)
    (invite,) = referrals.mint_invites(uses=1)
    db.session.commit()
    assert register(client, "patient", invite_code=invite.code).status_code == 303
    assert len(calls) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_when_the_tries_run_out_the_answer_is_clear_and_nothing_is_saved(app, client, monkeypatch):
    def always(code, user):  # type: ignore[no-untyped-def]
        raise refusal()

    monkeypatch.setattr(attribution, "redeem_invite", always)
    (invite,) = referrals.mint_invites(uses=1)
    db.session.commit()
    answer = register(client, "unlucky", invite_code=invite.code)
    assert answer.status_code == 503
    assert "nothing was saved" in answer.get_data(as_text=True)
    assert answer.headers["Retry-After"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert transactions.RETRYABLE_SQLSTATES >= {"40001", "40P01"}

"""Redis stops while players sign up (sessions, queues and rate limits all live on it).

Every sign-up either succeeds or gets a clear "try again" page (never a 500); an account is
made whole (user, profile, referral code, verification mail row) or not at all; once Redis is
back, every verification mail is delivered exactly once, even the ones whose queued job died
with Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import SimpleWorker

from app import jobs
from app.extensions import db
from app.identity.models import User
from app.identity.signals import user_registered
from app.outbox import services as outbox
from app.outbox.models import SENT, OutboxMail
from app.profiles.models import Profile
from app.referrals.models import ReferralCode
from tests.reliability.conftest import needs_postgres
from tests.support import PASSWORD, csrf

pytestmark = needs_postgres


@pytest.fixture(params=[False, True], ids=["limits-off", "limits-on"])
def config_overrides(request):
    return {"RATELIMIT_ENABLED": request.param}


def sign_up(client, username: str, token: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/register",
        data={"username": username, "email": f"{username}@example.com", "password": PASSWORD,
              "csrf_token": token},
    )


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def whole_accounts() -> dict[str, tuple[int, int, int]]:
    """username -> (profiles, referral codes, verification mails) for every account made."""
    db.session.rollback()
    made = {
        user.username: (
            count(Profile, Profile.user_id == user.id),
            count(ReferralCode, ReferralCode.user_id == user.id),
            count(OutboxMail, OutboxMail.recipient == user.email),
        )
        for user in db.session.scalars(sa.select(User))
    }
    db.session.rollback()
    return made


def work(app) -> None:  # type: ignore[no-untyped-def]
    jobs.make_worker(app, SimpleWorker).work(burst=True, logging_level="WARNING")


def test_signups_through_a_redis_outage(outage_app, private_redis, mailbox):
    app = outage_app
    names = ("early", "queued", "midway", "during1", "during2")
    clients = {name: app.test_client() for name in names}
    tokens = {name: csrf(clients[name], "/register") for name in names}

    assert sign_up(clients["early"], "early", tokens["early"]).status_code == 303
    work(app)  # early's mail leaves before the outage
    assert sign_up(clients["queued"], "queued", tokens["queued"]).status_code == 303
    # queued's job now sits in Redis, and will die with it.

    def pull_the_plug(sender, user, **_):  # type: ignore[no-untyped-def]
        if user.username == "midway":
            private_redis.stop()

    user_registered.connect(pull_the_plug)
    try:
        midway = sign_up(clients["midway"], "midway", tokens["midway"])
    finally:
        user_registered.disconnect(pull_the_plug)
    # Whether the account was committed before something else needed Redis (the session save,
    # the rate-limit headers) or not, the visitor gets a clear page and no half-made account.
    assert midway.status_code == 503
    assert "try again" in midway.get_data(as_text=True)

    for name in ("during1", "during2"):
        answer = sign_up(clients[name], name, tokens[name])
        assert answer.status_code == 503
        assert "try again" in answer.get_data(as_text=True)
    home = app.test_client().get("/")
    assert home.status_code in (200, 503)

    made = whole_accounts()
    assert {"early", "queued"} <= set(made) <= {"early", "queued", "midway"}
    assert all(counts == (1, 1, 1) for counts in made.values()), made

    private_redis.start()
    # At the first sweep: midway's row (never queued) and queued's, whose job died with Redis.
    assert outbox.sweep_outbox(grace=timedelta(0)) == (2 if "midway" in made else 1)
    assert outbox.sweep_outbox(grace=timedelta(0)) == 0  # both on the queue now
    work(app)
    assert outbox.sweep_outbox(grace=timedelta(0)) == 0
    work(app)

    for name in made:
        assert len(mailbox.to(f"{name}@example.com")) == 1, name
    assert db.session.scalars(sa.select(OutboxMail.status)).all() == [SENT] * len(made)

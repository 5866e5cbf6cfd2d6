"""Redis stops while players sign up (sessions, queues and rate limits all live on it).

Every sign-up either succeeds, or is saved and says so ("your account was made, check your
inbox") when Redis died as it committed, or gets a clear "try again" page when nothing was
saved (never a 500); an account is made whole (user, profile, referral code, verification mail
row) or not at all; once Redis is back, every verification mail is delivered exactly once, even
the ones whose queued job died with Redis or never reached it."""

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
from tests.support import PASSWORD, csrf, login

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


def stop_as_it_commits(session, server) -> None:  # type: ignore[no-untyped-def]
    """Stop ``server`` as ``session`` commits its outermost transaction (not at a savepoint):
    the sign-up is saved, and everything after it (the job's enqueue, the session) finds Redis
    gone."""
    fired = False

    def stop(session) -> None:  # type: ignore[no-untyped-def]
        nonlocal fired
        if not fired and not session.in_nested_transaction():
            fired = True
            server.stop()

    sa.event.listen(session, "before_commit", stop)


def test_signups_through_a_redis_outage(outage_app, private_redis, mailbox):
    app = outage_app
    names = ("early", "queued", "committed", "during1")
    clients = {name: app.test_client() for name in names}
    tokens = {name: csrf(clients[name], "/register") for name in names}

    assert sign_up(clients["early"], "early", tokens["early"]).status_code == 303
    work(app)  # early's mail leaves before the outage
    assert sign_up(clients["queued"], "queued", tokens["queued"]).status_code == 303
    # queued's job now sits in Redis, and will die with it.

    # Redis dies as committed's sign-up commits: the account is saved, but its mail's job
    # cannot be queued and the signed-in session cannot be stored.
    def pull_the_plug_at_commit(sender, user, **_):  # type: ignore[no-untyped-def]
        if user.username == "committed":
            stop_as_it_commits(db.session(), private_redis)

    user_registered.connect(pull_the_plug_at_commit)
    try:
        committed = sign_up(clients["committed"], "committed", tokens["committed"])
    finally:
        user_registered.disconnect(pull_the_plug_at_commit)
    # Not "try again": trying again would find the username taken.
    page = committed.get_data(as_text=True)
    assert committed.status_code == 200, page
    assert "Your account was made" in page and "Check your inbox" in page
    assert "try again" not in page
    assert "Retry-After" not in committed.headers

    answer = sign_up(clients["during1"], "during1", tokens["during1"])
    assert answer.status_code == 503 and "try again" in answer.get_data(as_text=True)

    # Redis comes back empty; then it dies in the middle of a sign-up, before the commit.
    private_redis.start()
    later = {name: app.test_client() for name in ("midway", "during2")}
    later_tokens = {name: csrf(later[name], "/register") for name in later}

    def pull_the_plug(sender, user, **_):  # type: ignore[no-untyped-def]
        if user.username == "midway":
            private_redis.stop()

    user_registered.connect(pull_the_plug)
    try:
        midway = sign_up(later["midway"], "midway", later_tokens["midway"])
    finally:
        user_registered.disconnect(pull_the_plug)
    # Signing the visitor in needed Redis before anything was saved: "try again" is the truth.
    assert midway.status_code == 503
    assert "try again" in midway.get_data(as_text=True)

    answer = sign_up(later["during2"], "during2", later_tokens["during2"])
    assert answer.status_code == 503
    assert "try again" in answer.get_data(as_text=True)
    home = app.test_client().get("/")
    assert home.status_code in (200, 503)

    made = whole_accounts()
    assert set(made) == {"early", "queued", "committed"}
    assert all(counts == (1, 1, 1) for counts in made.values()), made

    private_redis.start()
    # At the first sweep: committed's row (never queued) and queued's, whose job died with Redis.
    assert outbox.sweep_outbox(grace=timedelta(0)) == 2
    assert outbox.sweep_outbox(grace=timedelta(0)) == 0  # both on the queue now
    work(app)
    assert outbox.sweep_outbox(grace=timedelta(0)) == 0
    work(app)

    for name in made:
        assert len(mailbox.to(f"{name}@example.com")) == 1, name
    assert db.session.scalars(sa.select(OutboxMail.status)).all() == [SENT] * len(made)

    # The account that was made signs in once Redis is back.
    assert login(app.test_client(), "committed").status_code == 303

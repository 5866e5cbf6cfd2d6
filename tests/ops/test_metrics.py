"""``/metrics``: the token rules, every contract series present, and each one moving when what
it counts happens (and only once that is committed); no label carries a user, address or code."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.clock import utcnow
from app.extensions import db
from app.identity.models import User
from app.outbox.models import OutboxMail
from app.referrals import clicks, services
from app.referrals.models import ReferralCode
from tests.ops.conftest import TOKEN
from tests.support import link_in, register

CONTRACT_SERIES = (
    "fairway_http_request_duration_seconds_bucket", "fairway_http_request_duration_seconds_count",
    "fairway_signups_total", "fairway_referral_clicks_total", "fairway_time_to_code_seconds_bucket",
    "fairway_outbox_pending", "fairway_outbox_oldest_pending_seconds", "fairway_rq_queue_depth",
)


def test_the_token_rules(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"}).status_code == 401
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert right.headers["Content-Type"].startswith("text/plain; version=")
    assert right.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("config_overrides", [{"METRICS_TOKEN": None}])
def test_without_a_token_metrics_is_missing(client, config_overrides):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything-at-all-here"}).status_code == 404


def test_every_contract_series_is_exported(client, scrape):
    client.get("/healthz")
    register(client, "ann")
    found = scrape()
    for name in CONTRACT_SERIES:
        assert found.has(name), name
    assert {labels for name, labels in found.samples if name == "fairway_rq_queue_depth"} == {
        (("queue", "mail"),), (("queue", "default"),)
    }


def test_requests_are_timed_by_endpoint_and_status(client, scrape):
    before = scrape()
    count = "fairway_http_request_duration_seconds_count"
    health = before.value(count, endpoint="core.healthz", status="200")
    missing = before.value("fairway_http_request_duration_seconds_count", endpoint="unmatched", status="404")
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page/ABCDEFGH")
    after = scrape()
    assert after.value("fairway_http_request_duration_seconds_count",
                       endpoint="core.healthz", status="200") == health + 3
    assert after.value("fairway_http_request_duration_seconds_count",
                       endpoint="unmatched", status="404") == missing + 1


def test_sign_up_verification_referral_and_points_move_their_counters(app, client, scrape, mailbox, drain):
    referrer = client
    register(referrer, "ann")
    drain()
    ann = db.session.scalar(sa.select(User).where(User.username == "ann"))
    code = services.current_code(ann)
    db.session.commit()
    before = scrape()
    friend = app.test_client()
    assert friend.get(f"/r/{code}").status_code == 303
    assert friend.get(f"/r/{code}").status_code == 303
    clicks.buffer(app).hand_on()  # what the buffer's thread does every second
    assert register(friend, "bob").status_code == 303
    drain()
    verify = link_in(mailbox.to("bob@example.com")[-1].body, "verify")
    assert friend.get(verify).status_code in (302, 303)
    after = scrape()

    def moved(name: str) -> float:
        return after.value(name) - before.value(name)

    assert moved("fairway_referral_clicks_total") == 2
    assert moved("fairway_signups_total") == 1
    assert moved("fairway_referral_signups_total") == 1
    assert moved("fairway_verifications_total") == 1
    assert moved("fairway_referral_verified_total") == 1
    assert moved("fairway_points_awarded_total") == services.VERIFIED_REFERRAL_POINTS
    assert moved("fairway_time_to_code_seconds_count") == 1
    assert moved("fairway_referral_code_mint_retries_count") == 1
    assert moved("fairway_time_to_code_seconds_sum") > 0
    # No label anywhere names the player, the address or the code.
    for secret in (code, code.lower(), "bob@example.com", "ann@example.com", "/r/"):
        assert secret not in after.text
    assert not re.search(r'user(name)?="', after.text)


def test_an_invite_redeemed_counts_and_a_refused_sign_up_counts_nothing(app, client, runner, scrape):
    result = runner.invoke(args=["invites", "create", "--uses", "1"])
    assert result.exit_code == 0, result.output
    invite = result.output.split()[-1]
    before = scrape()
    assert register(client, "cyd", invite_code=invite).status_code == 303
    refused = app.test_client()
    assert register(refused, "dee", invite_code=invite).status_code == 422  # used up
    after = scrape()
    assert after.value("fairway_invites_redeemed_total") - before.value("fairway_invites_redeemed_total") == 1
    assert after.value("fairway_signups_total") - before.value("fairway_signups_total") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralCode)) == 1


def test_outbox_gauges_read_the_table_at_scrape_time(app, scrape):
    empty = scrape()
    assert empty.value("fairway_outbox_pending") == 0
    assert empty.value("fairway_outbox_oldest_pending_seconds") == 0
    for kind in ("verify", "reset"):
        db.session.add(OutboxMail(kind=kind, recipient="x@example.com", subject="s", body="b",
                                  created_at=utcnow() - timedelta(minutes=7)))
    db.session.add(OutboxMail(kind="verify", recipient="y@example.com", subject="s", body="b",
                              status="failed", attempts=6, last_error="SMTPRecipientsRefused"))
    db.session.commit()
    found = scrape()
    assert found.value("fairway_outbox_pending") == 2
    assert found.value("fairway_outbox_failed") == 1
    assert 7 * 60 - 5 <= found.value("fairway_outbox_oldest_pending_seconds") <= 7 * 60 + 60
    assert found.value("fairway_backend_up", backend="database") == 1


def test_nothing_counts_while_metrics_are_off(app, client, scrape):
    from app.ops import metrics

    before = metrics.SIGNUPS._value.get()
    app.config["METRICS_TOKEN"] = None
    try:
        register(client, "eve")
    finally:
        app.config["METRICS_TOKEN"] = TOKEN
    assert metrics.SIGNUPS._value.get() == before

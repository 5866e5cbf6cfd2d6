"""Every route CONTRACT.md fixes exists with its methods (what ../shared/tools/check-routes
checks, read from the URL map rather than from `flask routes` output)."""

from __future__ import annotations

import re

import pytest

CONTRACT = """
GET,POST /register
GET,POST /login
POST /logout
GET /verify/<token>
POST /verify/resend
GET,POST /reset
GET,POST /reset/<token>
GET /settings
POST /settings/username
POST /settings/email
POST /settings/password
POST /settings/delete
GET /u/<username>
GET,POST /profile/edit
GET /players
GET,POST /availability
GET /players/match
POST /u/<username>/follow
POST /u/<username>/unfollow
GET /u/<username>/followers
GET /u/<username>/following
POST /u/<username>/fistbump
GET /messages
GET,POST /messages/<username>
GET /notifications
POST /notifications/ack
POST /notifications/<id>/ack
GET /r/<code>
GET /referrals
POST /referrals/rotate
GET /leaderboard
GET,POST /waitlist
GET /admin/users
POST /admin/users/<id>/reset-password
POST /admin/users/<id>/deactivate
POST /admin/users/<id>/reactivate
GET,POST /admin/invites
POST /admin/invites/<id>/revoke
GET /admin/referrals
GET /admin/logins
GET /admin/jobs
POST /admin/waitlist/<id>/invite
GET /api/my-referral-link
GET /api/referral/resolve
GET /healthz
"""
ROUTES = [line.split() for line in CONTRACT.strip().splitlines()]


def shape(rule: str) -> str:
    return re.sub(r"<[^>]+>", "<>", rule)


@pytest.mark.parametrize(("methods", "rule"), ROUTES, ids=[rule for _, rule in ROUTES])
def test_the_contract_route_exists(app, methods, rule):
    have: set[str] = set()
    for found in app.url_map.iter_rules():
        if shape(found.rule) == shape(rule):
            have |= found.methods or set()
    assert set(methods.split(",")) <= have, f"{rule} answers {sorted(have)}"

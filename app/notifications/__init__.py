"""Notifications: listeners turn following, messaging, fist-bump, referral and tee-time signals into rows
and notification mail (at once, after a message waits unread, or in the daily digest); the list,
acknowledgements and the unread badge in the navigation."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Flask
from flask.blueprints import BlueprintSetupState

from app import jobs
from app.core.nav import NavLink, add_badge, add_link
from app.following.signals import fist_bumped, followed
from app.messaging.signals import conversation_read, message_sent
from app.referrals.signals import referral_verified
from app.teetimes.signals import (
    offer_passed,
    player_removed,
    round_cancelled,
    round_reminder,
    spot_claimed,
    spot_freed,
    spot_offered,
    thread_posted,
)

bp = Blueprint("notifications", __name__)

from app.notifications import digest, mail, message_mail, routes, services  # noqa: E402,F401

followed.connect(services.on_followed)
fist_bumped.connect(services.on_fist_bumped)
message_sent.connect(services.on_message_sent)
conversation_read.connect(services.on_conversation_read)
referral_verified.connect(services.on_referral_verified)
player_removed.connect(services.on_player_removed)
round_cancelled.connect(services.on_round_cancelled)
spot_claimed.connect(services.on_spot_claimed)
spot_freed.connect(services.on_spot_freed)
round_reminder.connect(services.on_round_reminder)
spot_offered.connect(services.on_spot_offered)
# Notification mail: at once for ``instant`` kinds; messages once they have waited unread.
followed.connect(mail.on_followed)
fist_bumped.connect(mail.on_fist_bumped)
referral_verified.connect(mail.on_referral_verified)
spot_claimed.connect(mail.on_spot_claimed)
spot_freed.connect(mail.on_spot_freed)
message_sent.connect(message_mail.on_message_sent)
thread_posted.connect(services.on_thread_posted)
offer_passed.connect(services.on_offer_passed)


@bp.record_once
def setup(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    add_link(app, NavLink("Notifications", "notifications.index", badge="notifications"))
    add_badge(app, "notifications", services.unread_count, services.unread_count_query)
    jobs.every_tick(app, "app.notifications.message_mail.send_due_message_mails")
    jobs.every_tick(app, "app.notifications.digest.send_due_digests")

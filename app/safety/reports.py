"""Reports: a player flags a player, a message or a round for the admins. A repeat changes
nothing (the unique reporter/kind/target row), and the route is rate-limited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

# Module imports (not names): messaging and tee times import this area's services.
from app.core.forms import bounded_int
from app.extensions import db
from app.identity.models import User
from app.identity.services import active_user
from app.messaging import services as messaging
from app.safety.models import DETAILS_MAX, REPORT_KINDS, REPORT_REASONS, Report
from app.teetimes import rounds


class ReportError(Exception):
    """The report names nothing the reporter may report; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Target:
    """What a report points at: the row's id and the player it is about."""

    target_id: int
    reported_id: int


def _target(reporter: User, kind: str, target: str) -> Target:
    if kind == "user":
        user = active_user(target)
        if user is None:
            raise ReportError("We couldn't find that player.", 404)
        return Target(user.id, user.id)
    if kind == "message":
        message_id = bounded_int(target, 1, 2**31 - 1)
        message = messaging.message_seen_by(reporter, message_id) if message_id is not None else None
        if message is None:
            raise ReportError("We couldn't find that message.", 404)
        return Target(message.id, message.sender_id)
    tee_time = rounds.tee_time_by_code(target)
    if tee_time is None:
        raise ReportError("We couldn't find that round.", 404)
    return Target(tee_time.id, tee_time.host_id)


def file_report(reporter: User, kind: str, target: str, reason: str, details: str = "") -> bool:
    """Record the report; True when it is new (reporting the same thing again is a no-op)."""
    if kind not in REPORT_KINDS or reason not in REPORT_REASONS:
        raise ReportError("Choose what you report and why.")
    details = details.strip()
    if len(details) > DETAILS_MAX:
        raise ReportError(f"Details are at most {DETAILS_MAX} characters.")
    found = _target(reporter, kind, target)
    if found.reported_id == reporter.id:
        raise ReportError("You can't report yourself.")
    try:
        with db.session.begin_nested():
            db.session.add(Report(reporter_id=reporter.id, reported_id=found.reported_id, kind=kind,
                                  target_id=found.target_id, reason=reason, details=details))
            db.session.flush()
    except IntegrityError:
        return False
    return True


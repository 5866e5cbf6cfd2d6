"""The tee-times area's behaviour lives in one module per feature; this face re-exports their
public names for callers outside the app (tests, benchmarks). The app imports the modules."""

from __future__ import annotations

from app.teetimes.calendar import in_round, round_calendar  # noqa: F401
from app.teetimes.claims import (  # noqa: F401
    HOLD_WINDOW,
    REMEMBERED_TEE_TIME,
    check_open,
    claim_spot,
    confirm_holds,
    leave_round,
    locked_round,
    on_email_verified,
    on_user_registered,
    remember_link,
)
from app.teetimes.errors import (  # noqa: F401
    AlreadyJoined,
    ClaimRefused,
    CodeUnavailable,
    InvalidRound,
    NoSuchPlayer,
    NoSuchRound,
    NotAllowed,
    RoundClosed,
    RoundFull,
    TeeTimeError,
)
from app.teetimes.hosting import cancel_round, invite_player, remove_player  # noqa: F401
from app.teetimes.listings import (  # noqa: F401
    NEARBY_LIMIT,
    RoundRow,
    RoundView,
    can_see,
    claims_of,
    hosted_open_rounds,
    live_counts,
    open_near,
    round_view,
    spots_left,
    upcoming_for,
)
from app.teetimes.rounds import (  # noqa: F401
    CODE_LENGTH,
    MAX_CODE_ATTEMPTS,
    MAX_DAYS_AHEAD,
    MAX_UPCOMING_HOSTED,
    SLOT_START,
    RoundDetails,
    new_code,
    post_tee_time,
    round_url,
    start_of,
    tee_time_by_code,
    timezone_for_zip,
    when_text,
)

"""The referrals area's behaviour lives in one module per feature; this face re-exports their
public names for callers outside the app (tests, benchmarks). The app imports the modules."""

from __future__ import annotations

from app.referrals.attribution import (  # noqa: F401
    InviteRequired,
    admit_sign_up,
    attribute_sign_up,
    record_referral,
)
from app.referrals.invites import (  # noqa: F401
    MINT_BATCH,
    CodeRefused,
    InviteNotFound,
    InviteRow,
    create_invites,
    expiry_of,
    mint_invites,
    recent_invites,
    redeem_invite,
    revoke_invite,
)
from app.referrals.links import (  # noqa: F401
    MAX_MINT_ATTEMPTS,
    CodeUnavailable,
    LinkTarget,
    Resolution,
    assign_code,
    current_code,
    link_target,
    on_user_deactivated,
    on_user_logged_out,
    referral_link,
    referral_row,
    referral_url,
    remember_referrer,
    resolve,
    rotate_code,
)
from app.referrals.points import (  # noqa: F401
    VERIFIED_REFERRAL,
    VERIFIED_REFERRAL_POINTS,
    award_points,
    on_email_verified,
    points_of,
)
from app.referrals.stats import (  # noqa: F401
    LeaderboardRow,
    ReferralStats,
    Referred,
    leaderboard,
    people_referred,
    referral_counts,
    referrers_of,
    stats_for,
)
from app.referrals.tree import ReferralTree, TreeNode, referral_tree  # noqa: F401
from app.referrals.waitlist import invite_from_waitlist, join_waitlist, waitlist  # noqa: F401

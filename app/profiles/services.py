"""The profiles area's behaviour lives in one module per feature; this face re-exports their
public names for callers outside the app (tests, benchmarks). The app imports the modules."""

from __future__ import annotations

from app.profiles.availability import (  # noqa: F401
    WINDOW_DAYS,
    availability_grid,
    check_slot,
    has_slots,
    mark_slot,
    today,
    unmark_slot,
    window,
)
from app.profiles.avatars import (  # noqa: F401
    AVATAR_FORMATS,
    AVATAR_MAX_PIXELS,
    AVATAR_SIZE,
    avatar_dir,
    delete_avatar_file,
    read_avatar_upload,
    remove_avatar,
    render_avatar,
    set_avatar,
)
from app.profiles.editing import (  # noqa: F401
    ProfileChanges,
    ProfileError,
    create_profile,
    join_link,
    on_user_registered,
    profile_for,
    update_profile,
)
from app.profiles.matching import free_together, match_players, players_near  # noqa: F401
from app.profiles.search import (  # noqa: F401
    PER_PAGE,
    Origin,
    PlayerPage,
    PlayerRow,
    SearchCriteria,
    box_clause,
    distance_between,
    load_rows,
    profile_box,
    search_players,
)

"""The home page: onboarding cards for new players and the timeline of cards for everyone.

Other areas' data comes only through their services. Every source of cards is a fixed number
of queries with a fixed limit, so a page of the timeline costs the same number of queries
whatever the size of the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import url_for

from app.clock import utcnow
from app.core.inserts import dialect_insert
from app.core.pagination import Paginated
from app.core.text import plural, when
from app.extensions import db
from app.following import services as following
from app.home.models import OUTCOMES, STEPS, OnboardingStep
from app.identity.models import User
from app.messaging import services as messaging
from app.profiles.availability import WINDOW_DAYS, has_slots
from app.profiles.editing import profile_for
from app.profiles.matching import free_together, players_near
from app.profiles.models import SLOT_HOURS, TRAITS, Profile
from app.profiles.search import PlayerRow
from app.referrals import links as referral_links
from app.referrals import memory as referral_memory
from app.referrals import stats as referral_stats
from app.teetimes import listings as teetime_listings
from app.teetimes.rounds import when_text

PER_PAGE = 10
#: how many cards of each kind the timeline holds at most
PER_KIND = 10
NEW_PLAYER_DAYS = 30
SIMILAR_HANDICAP = 5.0

# --- onboarding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    blurb: str
    #: the profile form's fields this card shows
    fields: tuple[str, ...]


ONBOARDING = {
    "about": Step("about", "Your name and a line about you",
                  "This is what other players see first.", ("display_name", "bio")),
    "traits": Step("traits", "How you play",
                   "Your handicap and habits help us find partners who suit you.",
                   ("handicap", "drinking", "mobility", "weather", "pace", "play_style", "attitude",
                    "left_handed")),
    "location": Step("location", "Where you play",
                     "Your home zip finds golfers and courses near you. "
                     "Others see your town, never your zip.",
                     ("zip", "radius_miles")),
    "avatar": Step("avatar", "A picture",
                   "A friendly face gets more replies.", ("avatar", "remove_avatar")),
}
assert tuple(ONBOARDING) == STEPS


def _filled(profile: Profile, step: str) -> bool:
    """Whether the profile already holds what the card asks (edited on /profile/edit, say)."""
    if step == "about":
        return bool(profile.bio)
    if step == "traits":
        return profile.handicap is not None or any(getattr(profile, t.name) for t in TRAITS)
    if step == "location":
        return profile.has_location
    return bool(profile.avatar)


def step_outcomes(user: User) -> dict[str, str]:
    """step → "done" or "skipped", for the cards the player has dealt with (one query)."""
    rows = db.session.execute(
        sa.select(OnboardingStep.step, OnboardingStep.outcome).where(OnboardingStep.user_id == user.id)
    )
    return {step: outcome for step, outcome in rows}


def pending_steps(user: User, profile: Profile, outcomes: dict[str, str] | None = None) -> list[str]:
    """The cards still to show, in order: neither saved, skipped, nor already filled in."""
    seen = step_outcomes(user) if outcomes is None else outcomes
    return [step for step in STEPS if step not in seen and not _filled(profile, step)]


def record_step(user: User, step: str, outcome: str) -> None:
    """Remember that a card was saved or skipped; the latest outcome wins (an upsert, so a
    double click or two tabs make one row)."""
    if step not in STEPS or outcome not in OUTCOMES:
        raise ValueError(f"unknown onboarding step or outcome: {step!r}, {outcome!r}")
    table = OnboardingStep.__table__
    values = {"user_id": user.id, "step": step, "outcome": outcome, "updated_at": utcnow()}
    statement = dialect_insert(table).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "step"],
        set_={"outcome": statement.excluded.outcome, "updated_at": statement.excluded.updated_at},
    ))


# --- the timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """The one thing a card lets you do: follow a link, or POST a form (with CSRF)."""

    label: str
    url: str
    method: str = "get"


@dataclass
class Card:
    kind: str
    title: str
    text: str
    action: Action
    #: lower is more useful; cards of one rank show newest first
    rank: int
    at: datetime | None = None
    player: PlayerRow | None = None
    share_url: str | None = None
    details: list[str] = field(default_factory=list)


@dataclass
class Timeline(Paginated):
    cards: list[Card]
    page: int
    total: int
    per_page: int = PER_PAGE


def _name(row: PlayerRow) -> str:
    return row.profile.display_name or row.user.username


def _follow_action(row: PlayerRow) -> Action:
    url = url_for("following.follow", username=row.user.username, next=url_for("home.index"))
    return Action(f"Follow {row.user.username}", url, "post")


def similarity(me: Profile, other: Profile) -> list[str]:
    """What two players have in common: the traits both answered alike, a nearby handicap."""
    shared = [
        trait.label(getattr(other, trait.name)) for trait in TRAITS
        if getattr(me, trait.name) and getattr(me, trait.name) == getattr(other, trait.name)
    ]
    mine, theirs = me.handicap, other.handicap
    if mine is not None and theirs is not None and abs(mine - theirs) <= SIMILAR_HANDICAP:
        shared.insert(0, f"Handicap {other.handicap:.1f}, close to yours")
    return shared


def _distance_text(row: PlayerRow) -> str:
    where = f"{row.profile.city}, {row.profile.state}" if row.profile.city else "Near you"
    if row.nearby:
        return f"{where} · nearby"
    return f"{where} · {row.distance:.1f} mi away" if row.distance is not None else where


def _slot_text(day: Any, slot: str) -> str:
    return f"{when(day, 'day')} {slot} ({SLOT_HOURS[slot]})"


def timeline_cards(user: User, *, onboarding: bool) -> list[Card]:
    """Every card the player should see now, most useful first (unpaginated, but bounded:
    at most a few cards of each kind)."""
    me = profile_for(user)
    cards: list[Card] = []

    if not user.email_verified:
        cards.append(Card(
            "verify", "Confirm your email address",
            f"Confirm it to unlock invites and rewards. We sent a link to {user.email}.",
            Action("Send the link again", url_for("identity.resend_verification"), "post"), rank=0,
        ))

    rounds = teetime_listings.home_rounds(user, limit=PER_KIND)
    if rounds.next_round is not None:
        tee_time = rounds.next_round.tee_time
        hosting = rounds.next_round.role == "hosting"
        who = "You're hosting" if hosting else f"Hosted by {tee_time.host.username}"
        everyone = [tee_time.host.username, *rounds.players]
        players = [name for name in everyone if name != user.username]
        company = f"{len(players)} {plural(len(players), 'player')} with you" if players else "No players yet"
        cards.append(Card(
            "nextround", f"Your next round: {tee_time.course}", f"{when_text(tee_time)} · {who} · {company}",
            Action("Add to calendar", url_for("teetimes.calendar_file", code=tee_time.code)),
            rank=1, details=players,
        ))

    if not has_slots(user):
        cards.append(Card(
            "availability", f"Set your availability for the next {WINDOW_DAYS} days",
            "Mark the mornings, middays and twilights you're free; we'll match you with players free then.",
            Action("Set your availability", url_for("profiles.availability")), rank=1,
        ))

    for talk in messaging.unread_conversations(user, limit=PER_KIND):
        count = f"{talk.unread} unread {plural(talk.unread, 'message')}"
        cards.append(Card(
            "messages", f"{count} from {talk.other.username}", talk.preview,
            Action("Read and reply", url_for("messaging.conversation", username=talk.other.username)),
            rank=2, at=talk.last_at,
        ))

    followed = following.followed_ids(user)
    for row in free_together(user, followed, limit=PER_KIND):
        cards.append(Card(
            "free", f"{_name(row)} is free on days you are",
            f"You follow {row.user.username}; you're both free on "
            f"{len({day for day, _ in row.shared})} of the same days in the next two weeks.",
            Action(f"Plan a round with {row.user.username}",
                   url_for("messaging.conversation", username=row.user.username)),
            rank=4, player=row, details=[_slot_text(day, slot) for day, slot in row.shared[:3]],
        ))

    for near in rounds.nearby:
        tee_time = near.tee_time
        distance = f" · {near.distance:.1f} mi away" if near.distance is not None else ""
        cards.append(Card(
            "roundnear", f"A round near you at {tee_time.course}",
            f"{when_text(tee_time)}, when you're free · hosted by {tee_time.host.username}{distance}",
            Action("See the round", url_for("teetimes.show", code=tee_time.code)), rank=4,
            details=[f"{near.spots_left} open {plural(near.spots_left, 'spot')}"],
        ))

    since = utcnow() - timedelta(days=NEW_PLAYER_DAYS)
    # Suggestions leave out the newcomers shown: twice the kind's cards, so ten remain.
    nearby = players_near(user, joined_since=since, newcomers=PER_KIND * 2, closest=PER_KIND * 2,
                          exclude_ids=followed)
    shown: set[int] = set()
    for row in nearby.newcomers:
        common = similarity(me, row.profile)
        if not common or len(shown) == PER_KIND:
            continue
        shown.add(row.user.id)
        cards.append(Card(
            "newcomer", f"{_name(row)} just joined near you", _distance_text(row), _follow_action(row),
            rank=5, at=row.user.created_at, player=row, details=common[:3],
        ))

    suggestions = [row for row in nearby.closest if row.user.id not in shown][:PER_KIND]
    for row in suggestions:
        handicap = f"Handicap {row.profile.handicap:.1f}" if row.profile.handicap is not None else ""
        cards.append(Card(
            "suggestion", f"Play with {_name(row)}?", _distance_text(row), _follow_action(row),
            # A new player's first job is to find people: suggestions come before the rest.
            rank=3 if onboarding else 6, player=row, details=[handicap] if handicap else [],
        ))

    code = referral_links.current_code(user)
    stats = referral_stats.stats_for(user)
    cards.append(Card(
        "referrals", "Bring your golf friends",
        f"{stats.sign_ups} {plural(stats.sign_ups, 'sign-up')} "
        f"({stats.verified} confirmed) · {stats.points} {plural(stats.points, 'point')}",
        Action("Share your link", url_for("referrals.mine")), rank=7,
        share_url=referral_links.referral_url(code),
    ))

    cards.sort(key=lambda card: (card.rank, -(card.at.timestamp() if card.at else 0.0)))
    return cards


def timeline(user: User, page: int = 1, *, onboarding: bool = False) -> Timeline:
    cards = timeline_cards(user, onboarding=onboarding)
    start = (page - 1) * PER_PAGE
    return Timeline(cards[start : start + PER_PAGE], page, len(cards))


# --- the landing page ------------------------------------------------------------------------


@dataclass
class Inviter:
    username: str
    name: str


def inviter() -> Inviter | None:
    """Who invited this visitor, when they came through someone's referral link."""
    code = referral_memory.remembered()
    if not code:
        return None
    person = referral_links.resolve(code).referrer
    if person is None:
        return None
    profile = profile_for(person)
    return Inviter(person.username, profile.display_name or person.username)

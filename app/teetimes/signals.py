"""Tee-time events; the notifications area listens."""

from blinker import Namespace

teetime_signals = Namespace()

#: sent with ``tee_time`` (TeeTime), ``host`` and ``player`` (Users) when the host removes a player.
player_removed = teetime_signals.signal("teetime-player-removed")
#: sent with ``tee_time`` (TeeTime), ``host`` (User) and ``players`` (list of Users who held or
#: were waiting on a spot) when the host cancels the round.
round_cancelled = teetime_signals.signal("teetime-round-cancelled")
#: sent with ``tee_time``, ``host`` and ``player`` when a player claims a spot (held or pending).
spot_claimed = teetime_signals.signal("teetime-spot-claimed")
#: sent with ``tee_time``, ``host`` and ``player`` when a player gives their spot up.
spot_freed = teetime_signals.signal("teetime-spot-freed")
#: sent with ``tee_time``, ``player`` (User, the host or a player) and ``lead`` ("24h" or "2h")
#: when a reminder before tee time goes out.
round_reminder = teetime_signals.signal("teetime-round-reminder")
#: sent with ``tee_time``, ``player`` and ``until`` (naive UTC) when a spot is held for the first
#: player on a full round's waitlist.
spot_offered = teetime_signals.signal("teetime-spot-offered")
#: sent with ``tee_time``, ``author`` (User), ``post`` (RoundPost) and ``players`` (the other
#: Users in the round: the host and the players holding or awaiting a spot) on a thread post.
thread_posted = teetime_signals.signal("teetime-thread-posted")
#: sent with ``tee_time`` and ``player`` when a spot held for a waitlisted player passes to the
#: next in line (or back to anyone) because they did not claim it in time.
offer_passed = teetime_signals.signal("teetime-offer-passed")

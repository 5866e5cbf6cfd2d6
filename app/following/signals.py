"""Following and fist-bump events; the notifications area listens."""

from blinker import Namespace

following_signals = Namespace()

#: sent with ``follower`` and ``followed`` (Users) when a new follow is made (not on a repeat).
followed = following_signals.signal("followed")
#: sent with ``bumper`` and ``bumped`` (Users) when a fist bump is given.
fist_bumped = following_signals.signal("fist-bumped")

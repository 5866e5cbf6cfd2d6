"""Safety events; following listens (a block ends follows both ways)."""

from blinker import Namespace

safety_signals = Namespace()

#: sent with ``blocker`` and ``blocked`` (Users) when a new block is made (not on a repeat).
blocked = safety_signals.signal("blocked")

"""Why a tee-time action was refused: the message is for the user, ``status`` is the HTTP answer."""

from __future__ import annotations


class TeeTimeError(Exception):
    """A rule refused the action; the message is for the user, ``status`` is the HTTP answer."""

    status = 422
    field = "course"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class InvalidRound(TeeTimeError):
    """What was posted can't make a round (a past time, too many rounds)."""


class ClaimRefused(TeeTimeError):
    status = 409


class RoundFull(ClaimRefused):
    pass


class AlreadyJoined(ClaimRefused):
    pass


class RoundClosed(ClaimRefused):
    """Cancelled, or past tee time."""


class NotAllowed(TeeTimeError):
    status = 403


class TooManyInvites(TeeTimeError):
    """An invite is a message: a first contact counts against the sender's daily limit."""

    status = 429


class NoSuchPlayer(TeeTimeError):
    status = 404


class CodeUnavailable(RuntimeError):
    """Minting a unique code failed ``MAX_CODE_ATTEMPTS`` times in a row."""


class NoSuchRound(TeeTimeError):
    """Nothing to show this viewer: the round is not theirs to see (answered as 404)."""

    status = 404

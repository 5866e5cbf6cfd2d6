"""Logs without secrets: referral, invite and tee-time codes and mail tokens, which travel in
paths and query strings, are masked before a line is written (gunicorn's access log, and the
development server's)."""

from __future__ import annotations

import logging
import re

MASK = "[masked]"
_IN_PATH = re.compile(r"(/(?:r|t|verify|reset)/)(?!resend(?:[/?#\s]|$))[^/?#\s]+")
_IN_QUERY = re.compile(r"((?:^|[?&])(?:code|token|invite_code)=)[^&#\s]*", re.IGNORECASE)


def mask_secrets(text: str) -> str:
    """``text`` with every code or token in a path segment or query parameter masked."""
    return _IN_QUERY.sub(r"\1" + MASK, _IN_PATH.sub(r"\1" + MASK, text))


class MaskSecrets(logging.Filter):
    """Masks codes and tokens in every record of the logger it is added to."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True

"""Running a request's transaction again when PostgreSQL asks for it.

Under contention PostgreSQL may abort a transaction with a serialization failure (SQLSTATE
40001, at the SERIALIZABLE or REPEATABLE READ level) or a deadlock (40P01). Both mean "nothing
happened, run it again". :func:`retried` runs a view and commits its transaction, from the
start each time, a bounded number of times; when the tries run out the visitor gets a clear
503 saying nothing was saved (see ``app.core.errors``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, make_response, session
from sqlalchemy.exc import DBAPIError

from app.extensions import db

log = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
F = TypeVar("F", bound=Callable[..., Any])


class Busy(Exception):
    """The database kept refusing the transaction; nothing was saved."""


def is_retryable(error: BaseException | None) -> bool:
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retried(view: F) -> F:
    """Run ``view`` and commit (when its answer is a success or a redirect), again from the start
    after a serialization failure or deadlock, at most ``DB_RETRY_ATTEMPTS`` times."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        attempts = current_app.config["DB_RETRY_ATTEMPTS"]
        before = dict(session)
        before_g = dict(g.__dict__)
        for attempt in range(1, attempts + 1):
            try:
                response = make_response(view(*args, **kwargs))
                if response.status_code < 400:
                    db.session.commit()
                return response
            except DBAPIError as error:
                db.session.rollback()
                if not is_retryable(error):
                    raise
                log.warning("%s: %s on attempt %d of %d", view.__name__,
                            getattr(error.orig, "sqlstate", "?"), attempt, attempts)
                if attempt == attempts:
                    raise Busy() from error
                # What the failed attempt did to the visitor's session and to ``g`` (a sign-in, a
                # flash, a referral memory to drop) is void.
                session.clear()
                session.update(before)
                g.__dict__.clear()
                g.__dict__.update(before_g)
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
        raise AssertionError("unreachable")

    return wrapped  # type: ignore[return-value]

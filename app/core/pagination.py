"""Page arithmetic shared by every paginated list."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from app.extensions import db

#: Searches count their results exactly up to this many; beyond, pages say "200+".
COUNT_CAP = 200


class Paginated:
    """Mixed into a page-of-results dataclass that has ``total``, ``page`` and ``per_page``."""

    total: int
    page: int
    per_page: int
    #: set by lists whose total is counted only up to a cap (``capped_count``): beyond it the
    #: page says "200+" and the pager shows no page count.
    cap: int | None = None

    @property
    def capped(self) -> bool:
        return self.cap is not None and self.total > self.cap

    @property
    def total_label(self) -> str:
        """The total as pages show it: exact, or "200+" beyond the cap."""
        return f"{self.cap}+" if self.capped else str(self.total)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def capped_count(query: sa.Select[Any], page: int, per_page: int, cap: int = COUNT_CAP) -> int:
    """How many rows ``query`` has, counted no further than ``cap + 1`` (one statement, a
    count over a LIMIT subquery) nor, on a later page, than one row past that page, so that
    ``has_next`` stays exact while the total reads "200+"."""
    limit = max(cap + 1, page * per_page + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.limit(limit).subquery())) or 0


def page_with_total(fetch: Callable[[int, int], Sequence[Any]], page: int,
                    per_page: int) -> tuple[Sequence[Any], int]:
    """A page of rows that each carry their list's ``total`` (a window count in the statement
    that brings the page), and that total; a page past the end fetches the first row alone for
    it, for the pager. ``fetch(offset, limit)`` runs the statement."""
    found = fetch((page - 1) * per_page, per_page)
    if found:
        return found, found[0].total
    if page > 1:
        first = fetch(0, 1)
        return found, first[0].total if first else 0
    return found, 0

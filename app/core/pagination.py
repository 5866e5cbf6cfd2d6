"""Page arithmetic shared by every paginated list."""

from __future__ import annotations

import math


class Paginated:
    """Mixed into a page-of-results dataclass that has ``total``, ``page`` and ``per_page``."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

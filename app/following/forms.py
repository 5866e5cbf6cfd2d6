"""Following forms: the follow, unfollow and fist-bump buttons carry only their CSRF token."""

from __future__ import annotations

from app.identity.forms import ActionForm

__all__ = ["ActionForm"]

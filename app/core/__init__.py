"""The pieces every area shares: health check, error pages, navigation (the home page is in app.home)."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import routes  # noqa: E402,F401

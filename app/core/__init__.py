"""The pieces every area shares: home page, health check, error pages."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import routes  # noqa: E402,F401

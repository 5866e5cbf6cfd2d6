"""The pieces every area shares: health check, error pages, navigation, template filters (the
home page is in app.home)."""

from flask import Blueprint

from app.core.share import qr
from app.core.text import linkify, plural, when

bp = Blueprint("core", __name__)
bp.add_app_template_filter(plural)
bp.add_app_template_filter(when)
bp.add_app_template_filter(linkify)
bp.add_app_template_filter(qr)

from app.core import confirm, routes  # noqa: E402,F401

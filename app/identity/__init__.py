"""Identity: accounts, sign-in, verification, resets and settings."""

from flask import Blueprint

bp = Blueprint("identity", __name__)

from app.identity import cli, routes  # noqa: E402,F401

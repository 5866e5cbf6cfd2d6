"""Server-side sessions in the database (embedded mode).

Flask-Session's SQLAlchemy backend builds its model class on every ``init_app`` and creates
its table outside migrations; here the model belongs to Fairway's metadata (and so to the
migrations) and is defined once. Storage and cookie handling are Flask-Session's own.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from flask_session.base import ServerSideSessionInterface
from flask_session.sqlalchemy import SqlAlchemySessionInterface

from app.extensions import db


class ServerSession(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    session_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    data: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    expiry: so.Mapped[datetime | None]

    def __init__(self, session_id: str, data: bytes, expiry: datetime) -> None:
        self.session_id = session_id
        self.data = data
        self.expiry = expiry


class DatabaseSessionInterface(SqlAlchemySessionInterface):
    def __init__(self, app: Flask) -> None:
        self.client = db
        self.sql_session_model = ServerSession
        ServerSideSessionInterface.__init__(
            self,
            app,
            key_prefix=app.config["SESSION_KEY_PREFIX"],
            use_signer=False,
            permanent=app.config["SESSION_PERMANENT"],
            sid_length=32,
            serialization_format="msgpack",
            cleanup_n_requests=app.config.get("SESSION_CLEANUP_N_REQUESTS", 500),
        )

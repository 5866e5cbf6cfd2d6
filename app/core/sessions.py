"""Server-side sessions: in Redis, or in the database (embedded mode).

Storage and cookie handling are Flask-Session's own, with two changes. A visitor without a
session cookie gets a session id only once something is stored in the session: most anonymous
requests (a friend following a referral link) never store anything, and drawing an id costs a
``getrandom`` call each time. And Flask-Session's SQLAlchemy backend builds its model class on
every ``init_app`` and creates its table outside migrations; here the model belongs to
Fairway's metadata (and so to the migrations) and is defined once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Request
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from flask_session.sqlalchemy import SqlAlchemySessionInterface
from werkzeug.wrappers import Response

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


class LazySessionId(ServerSideSessionInterface):
    """Flask-Session, minus the session id drawn for every visitor who never needs one."""

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        if not request.cookies.get(app.config["SESSION_COOKIE_NAME"]):
            return self.session_class(sid="", permanent=self.permanent)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: ServerSideSession, response: Response) -> None:
        if not session.sid:
            if not session:  # nothing stored, no cookie sent: nothing to save or delete
                if session.accessed:
                    response.vary.add("Cookie")
                return
            session.sid = self._generate_sid(self.sid_length)
        super().save_session(app, session, response)

    def regenerate(self, session: ServerSideSession) -> None:
        if session and not session.sid:  # never stored: a new id is all it takes
            session.sid = self._generate_sid(self.sid_length)
            session.modified = True
            return
        super().regenerate(session)


class RedisSessions(LazySessionId, RedisSessionInterface):
    def __init__(self, app: Flask) -> None:
        super().__init__(
            app,
            client=app.config["SESSION_REDIS"],
            key_prefix=app.config["SESSION_KEY_PREFIX"],
            use_signer=False,
            permanent=app.config["SESSION_PERMANENT"],
            sid_length=32,
            serialization_format="msgpack",
        )


class DatabaseSessionInterface(LazySessionId, SqlAlchemySessionInterface):
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
            cleanup_n_requests=app.config["SESSION_CLEANUP_N_REQUESTS"],
        )

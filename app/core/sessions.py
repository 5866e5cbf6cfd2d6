"""Server-side sessions: in Redis, or in the database (embedded mode).

Storage and cookie handling are Flask-Session's own, with two changes. A visitor without a
session cookie gets a session id only once something is stored in the session: most anonymous
requests (a friend following a referral link) never store anything, and drawing an id costs a
``getrandom`` call each time. And Flask-Session's SQLAlchemy backend builds its model class on
every ``init_app`` and creates its table outside migrations; here the model belongs to
Fairway's metadata (and so to the migrations) and is defined once. Expired database sessions
are deleted at the worker's (or embedded mode's) tick, not by Flask-Session's cleanup in a random
one request of 500, which put a statement into that request.

A session nothing changed is written back (its storage expiry pushed back) at most once every
``REFRESH_SECONDS``, not on every request: Flask-Session's refresh cost every signed-in page a
Redis ``SET`` (embedded: a ``SELECT`` and an ``UPDATE``). The session keeps when it was last
written under ``_saved_at``; it still lives ``PERMANENT_SESSION_LIFETIME`` (31 days) after the
last write, so at least that less an hour after the last request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Request
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSessionInterface
from flask_session.sqlalchemy import SqlAlchemySessionInterface
from sqlalchemy.engine import CursorResult
from werkzeug.wrappers import Response

from app import jobs
from app.clock import utcnow
from app.extensions import db

#: A session that nothing changed is written back at most this often (its expiry refreshed).
REFRESH_SECONDS = 3600
FRESH_KEY = "_saved_at"


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
        if session:
            now = int(utcnow().timestamp())
            written = session.get(FRESH_KEY)
            if not session.modified and isinstance(written, int) and 0 <= now - written < REFRESH_SECONDS:
                if session.accessed:
                    response.vary.add("Cookie")
                return  # unchanged and written lately: no write to refresh its expiry
            session[FRESH_KEY] = now
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
            cleanup_n_requests=0,  # see delete_expired_sessions
        )
        jobs.every_tick(app, "app.core.sessions.delete_expired_sessions")


def delete_expired_sessions() -> int:
    """Delete database sessions past their expiry; returns how many. Run at every tick
    (``jobs.every_tick``); Redis expires its sessions itself."""
    result = db.session.execute(sa.delete(ServerSession).where(ServerSession.expiry <= utcnow()))
    db.session.commit()
    return cast(CursorResult[Any], result).rowcount

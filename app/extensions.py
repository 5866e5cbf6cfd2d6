"""Extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, MetaData, event

# Named constraints so Alembic can alter them on every backend (SQLite batch mode included).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def client_address() -> str:
    """The visitor's address, for login records (stored hashed) and limit keys."""
    return get_remote_address() or request.remote_addr or "unknown"


def limit_key(value: str | None = None) -> str:
    """A rate-limit key: ``value`` (default: the client's address), hashed, because
    Flask-Limiter writes the key to the log when a limit is hit."""
    from app.privacy import hash_identifier

    return hash_identifier(client_address() if value is None else value)


def sqlite_transactions(engine: Engine) -> None:
    """Make a SQLite savepoint nest inside the request's transaction, as on PostgreSQL.

    pysqlite emits BEGIN only before a write, so a SAVEPOINT taken before any write opened the
    transaction itself and its RELEASE committed everything: a sign-up refused after a
    savepoint kept its rows. BEGIN is issued first when no transaction is open yet.
    """

    @event.listens_for(engine, "savepoint")
    def begin_before_savepoint(conn, name):  # type: ignore[no-untyped-def]
        if not conn.connection.dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN")


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
mail = Mail()
csrf = CSRFProtect()
compress = Compress()  # bound by app.core.assets: static CSS, JS and SVG only
limiter = Limiter(key_func=limit_key, default_limits=[])

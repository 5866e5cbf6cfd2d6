"""Structured logs (``LOG_FORMAT=json``): one JSON object a line, each carrying the id of the
request it belongs to, which also rides along in the metadata of the jobs the request queues,
so a worker's lines about a mail name the request that caused it. Codes and tokens are masked
as in the text logs; a player appears only as a keyed hash of their id."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request

from app.core.logs import mask_secrets

REQUEST_ID_HEADER = "X-Request-ID"
#: An id a proxy in front may send; anything else is replaced by one of ours.
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_REQUEST_ID = "fairway.request_id"
#: What a record may carry beyond the message (``extra=``), in this order.
_FIELDS = ("status", "duration_ms", "user", "method")


def request_id() -> str | None:
    """This request's id (the proxy's ``X-Request-ID`` if well formed, else a new one), or in a
    worker the id of the request that queued the running job."""
    if has_request_context():
        # Kept in the WSGI environ, not ``g``: a job run inline opens an app context (and a
        # ``g``) of its own within the request, and its lines belong to the request.
        found: str | None = request.environ.get(_REQUEST_ID)
        if found is None:
            incoming = request.headers.get(REQUEST_ID_HEADER, "")
            found = incoming if _GOOD_ID.fullmatch(incoming) else secrets.token_hex(8)
            request.environ[_REQUEST_ID] = found
        return found
    job = _current_job()
    if job is not None:
        meta_id = job.meta.get("request_id")
        return str(meta_id) if meta_id else None
    return None


def _current_job() -> Any:
    from rq import get_current_job

    return get_current_job()


def job_meta() -> dict[str, str]:
    """Metadata for a job queued now: the request's id, when there is a request."""
    found = request_id() if has_request_context() else None
    return {"request_id": found} if found else {}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and where known the request id,
    route (the URL rule, never the path, which may hold a code), status, duration, hashed
    user and the job."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_secrets(record.getMessage()),
        }
        if has_request_context():
            entry["request_id"] = request_id()
            entry["route"] = request.url_rule.rule if request.url_rule is not None else None
        else:
            job = _current_job()
            if job is not None:
                entry["request_id"] = job.meta.get("request_id")
                entry["job"] = job.id
        for name in _FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info:
            entry["exception"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def use_json_logs(level: int = logging.INFO) -> None:
    """Every log line of this process as JSON on stderr (the root logger's handlers)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    root.setLevel(level)


REQUEST_LOG = logging.getLogger("fairway.request")


def log_request(status: int, seconds: float) -> None:
    """The request's own line (``LOG_FORMAT=json`` replaces gunicorn's access log with it)."""
    from app.privacy import hash_identifier

    user = g.get("_login_user")  # only if this request loaded one; never a lookup of its own
    user_hash = hash_identifier(f"user:{user.id}") if user is not None and user.is_authenticated else None
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUEST_LOG.info(
        "%s %s %s", request.method, rule, status,
        extra={"status": status, "duration_ms": round(seconds * 1000, 3), "user": user_hash,
               "method": request.method},
    )

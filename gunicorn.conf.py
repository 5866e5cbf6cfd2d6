"""gunicorn settings; every value can be overridden from the environment."""

import gc
import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class MaskingLogger(Logger):
    """The access log without codes and tokens (requirement 12): ``/r/<code>``, ``/t/<code>``,
    ``/verify/<token>``, ``/reset/<token>`` and ``?code=`` are masked in every field."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        from app.core.logs import mask_secrets

        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = MaskingLogger


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Everything loaded so far (modules, the app, its mappers) lives as long as the worker:
    freezing it keeps full garbage collections from walking it again, each of which stalled
    a request for about 70 ms (measured in-process: bench/load.py's p99)."""
    gc.freeze()


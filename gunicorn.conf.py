"""gunicorn settings; every value can be overridden from the environment."""

import gc
import os
import shutil
import tempfile

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# LOG_FORMAT=json: the app writes each request's line itself, as JSON with its request id.
_json_logs = os.environ.get("LOG_FORMAT", "text").strip().lower() == "json"
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "" if _json_logs else "-") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class MaskingLogger(Logger):
    """The access log without codes and tokens (requirement 12): ``/r/<code>``, ``/t/<code>``,
    ``/verify/<token>``, ``/reset/<token>`` and ``?code=`` are masked in every field."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        from app.core.logs import mask_secrets

        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        """With LOG_FORMAT=json gunicorn's own lines (workers booting, timeouts) are JSON too."""
        super().setup(cfg)
        if _json_logs:
            from app.ops.logs import JsonFormatter

            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())


logger_class = MaskingLogger

# Metrics: every worker keeps its series in files in one folder, so a scrape answered by any
# worker sums them all (prometheus_client's multiprocess mode, which reads this variable when
# it is imported, in the workers). Without one set, a private folder lives as long as the master.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="fairway-metrics-")


def on_starting(server):  # type: ignore[no-untyped-def]
    """Counts of a previous run must not add to this one: empty the folder's series files."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker that is gone stops reporting its live gauges (its counts stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # type: ignore[no-untyped-def]
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Everything loaded so far (modules, the app, its mappers) lives as long as the worker:
    freezing it keeps full garbage collections from walking it again, each of which stalled
    a request for about 70 ms (measured in-process: bench/load.py's p99)."""
    gc.freeze()


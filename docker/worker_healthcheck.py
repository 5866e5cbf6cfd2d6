"""The worker container's healthcheck (docker-compose.yml): exit 0 while an RQ worker of this
container is alive and registered in Redis, 1 otherwise.

RQ keeps a worker's registration for its time to live (8 minutes by default) after each
heartbeat, so a registered worker has beaten lately; its process must also still run here, so
a registration a killed worker left behind does not count. Reads REDIS_URL, as the app does."""

from __future__ import annotations

import os
import socket
import sys

from redis import Redis
from rq import Worker


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def healthy(redis_url: str) -> bool:
    connection = Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
    here = socket.gethostname()
    return any(worker.hostname == here and alive(worker.pid) for worker in Worker.all(connection=connection))


if __name__ == "__main__":
    url = os.environ.get("REDIS_URL")
    if not url:
        sys.exit("REDIS_URL is not set")
    try:
        ok = healthy(url)
    except Exception as exc:  # Redis away: unhealthy, with the reason in docker inspect
        sys.exit(f"cannot read the worker registry: {exc}")
    if not ok:
        sys.exit("no live RQ worker of this container is registered")

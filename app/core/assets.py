"""Static files on the wire: CSS, JavaScript and SVG go out compressed to a client that accepts
it (flask-compress: Brotli or gzip); HTML never does (BREACH: a page carries the CSRF token
next to what the visitor typed, e.g. a search). Every ``url_for('static', ...)`` carries the
file's version (``?v=`` a hash of its content), and a request naming the current version is
cached for a year, ``immutable``: a changed file gets a new URL, so nothing stale is kept."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, current_app, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from app.extensions import compress

#: What flask-compress compresses: the assets every page loads (not HTML, not JSON).
COMPRESSED_MIMETYPES = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")
ALGORITHMS = ("br", "gzip")
YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(65536), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def static_version(filename: str) -> str | None:
    """A short hash of the static file's content (recomputed only when its size or modification
    time changes: one ``stat`` a URL), or None when there is no such file."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return _content_hash(path, found.st_mtime_ns, found.st_size)


def add_version(endpoint: str, values: dict[str, Any]) -> None:
    """``url_for('static', filename=...)`` → ``/static/<filename>?v=<version>``."""
    if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
        version = static_version(values["filename"])
        if version is not None:
            values["v"] = version


def prepare_static(response: Response) -> Response:
    """Before flask-compress sees a static file: a file asked for by its current version may be
    kept for a year; a file it will compress is read into memory first (Flask streams static
    files, and flask-compress would compress a stream only with br or zstd, and drop the file's
    ``close``: buffering keeps it, and gzip)."""
    filename = (request.view_args or {}).get("filename") if request.endpoint == "static" else None
    if filename is None:
        return response
    version = request.args.get("v")
    if response.status_code in (200, 304) and version and version == static_version(str(filename)):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        response.headers.pop("Expires", None)
    if response.status_code == 200 and response.is_streamed and response.mimetype in COMPRESSED_MIMETYPES:
        response.direct_passthrough = False
        response.make_sequence()
    return response


def init_app(app: Flask) -> None:
    app.config.update(COMPRESS_MIMETYPES=list(COMPRESSED_MIMETYPES), COMPRESS_ALGORITHM=list(ALGORITHMS))
    app.url_defaults(add_version)
    compress.init_app(app)
    # After-request hooks run last registered first: this one before flask-compress's.
    app.after_request(prepare_static)

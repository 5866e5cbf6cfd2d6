"""Static files: every ``url_for('static', ...)`` carries a version (a hash of the file's
content); asked for by that version a file is cached for a year, ``immutable``; CSS and JS go
out compressed to a client that accepts it, with an ETag per encoding and 304s; HTML never."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

from app.core.assets import static_version
from tests.support import login

STATIC = Path(__file__).resolve().parents[2] / "static"
GZIP = {"Accept-Encoding": "gzip"}


def test_pages_link_their_assets_by_version(app, client):
    html = client.get("/login").get_data(as_text=True)
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert links and all(re.search(r"\?v=[0-9a-f]{12}$", link) for link in links), links
    style = next(link for link in links if "style.css" in link)
    expected = hashlib.sha256((STATIC / "style.css").read_bytes()).hexdigest()[:12]
    assert style == f"/static/style.css?v={expected}"
    with app.test_request_context():
        assert static_version("no-such-file.css") is None
        assert static_version("../pyproject.toml") is None


def test_a_versioned_file_is_cached_for_a_year_others_are_revalidated(app, client):
    with app.test_request_context():
        version = static_version("app.js")
    current = client.get(f"/static/app.js?v={version}", headers=GZIP)
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert current.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(current.get_data()) == (STATIC / "app.js").read_bytes()
    current.close()
    for path in ("/static/app.js", "/static/app.js?v=000000000000"):
        answer = client.get(path)
        answer.close()
        assert "immutable" not in answer.headers.get("Cache-Control", ""), path
        assert "max-age=31536000" not in answer.headers.get("Cache-Control", ""), path


def test_compressed_files_revalidate_with_their_own_etag(client):
    first = client.get("/static/style.css", headers=GZIP)
    first.close()
    etag = first.headers["ETag"]
    assert etag.endswith(':gzip"')
    again = client.get("/static/style.css", headers={**GZIP, "If-None-Match": etag})
    again.close()
    assert again.status_code == 304 and again.get_data() == b""
    plain = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    plain.close()


def test_html_is_never_compressed(app, client):
    from tests.factories import make_member

    make_member("ann")
    for path in ("/login", "/help"):
        assert "Content-Encoding" not in client.get(path, headers=GZIP).headers, path
    login(client, "ann")
    for path in ("/", "/players?q=ann", "/messages"):
        answer = client.get(path, headers=GZIP)
        assert answer.status_code == 200 and "Content-Encoding" not in answer.headers, path

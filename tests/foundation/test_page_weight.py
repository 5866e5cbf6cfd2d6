"""Every page stays within 60 KB of HTML, CSS and JavaScript on the wire, as Fairway itself
sends them to a browser that accepts gzip: the page (HTML is never compressed, against BREACH)
plus every stylesheet and script it loads, htmx included (compressed by the app). The bytes
counted are the bytes the test client receives; the heaviest page is printed."""

from __future__ import annotations

import gzip
import re

from tests.security.test_headers import concrete, page_rules, world
from tests.support import login

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"')
GZIP = {"Accept-Encoding": "gzip"}


def test_every_page_fits_the_budget(app, client, capsys):
    values = world(app)
    assert login(client, "root").status_code == 303
    sent: dict[str, int] = {}
    raw: dict[str, int] = {}
    heaviest = (0, 0, "")
    for rule in page_rules():
        url = concrete(rule, values)
        answer = client.get(url, headers=GZIP)
        if answer.status_code != 200 or answer.mimetype != "text/html":
            continue
        assert "Content-Encoding" not in answer.headers, url  # BREACH: no compressed HTML
        html = answer.get_data()
        loaded = ASSET.findall(html.decode())
        assert any("htmx" in path for path in loaded), url
        for path in loaded:
            if path not in sent:
                static = client.get(path, headers=GZIP)
                assert static.status_code == 200, path
                assert static.headers.get("Content-Encoding") == "gzip", path
                body = static.get_data()
                static.close()
                sent[path] = len(body)
                raw[path] = len(gzip.decompress(body))
        total = len(html) + sum(sent[path] for path in loaded)
        uncompressed = len(html) + sum(raw[path] for path in loaded)
        assert total <= BUDGET, (url, total, uncompressed)
        heaviest = max(heaviest, (total, uncompressed, url))
    with capsys.disabled():
        print(f"\nheaviest page {heaviest[2]}: {heaviest[0]} bytes on the wire, {heaviest[1]} uncompressed")


def test_assets_are_compressed_only_for_clients_that_accept_it(client):
    script = "/static/vendor/htmx/htmx.min.js"
    plain = client.get(script)
    body = plain.get_data()
    plain.close()
    assert "Content-Encoding" not in plain.headers and plain.headers["Vary"].startswith("Accept-Encoding")
    zipped = client.get(script, headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == body
    zipped.close()
    brotli = client.get(script, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert brotli.headers["Content-Encoding"] == "br"
    brotli.close()

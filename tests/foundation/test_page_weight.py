"""Every page stays within 60 KB of HTML, CSS and JavaScript on the wire, counted as gzip
transfers (how a proxy or CDN in front of Fairway sends them; the raw sizes are printed too):
the page itself plus every stylesheet and script it loads, htmx included."""

from __future__ import annotations

import gzip
import re

from tests.security.test_headers import concrete, page_rules, world
from tests.support import login

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*rel="stylesheet"[^>]*\shref)="([^"]+)"')


def wire(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def test_every_page_fits_the_budget(app, client, capsys):
    values = world(app)
    assert login(client, "root").status_code == 303
    assets: dict[str, bytes] = {}
    heaviest = (0, 0, "")
    for rule in page_rules():
        url = concrete(rule, values)
        answer = client.get(url)
        if answer.status_code != 200 or answer.mimetype != "text/html":
            continue
        html = answer.get_data()
        loaded = ASSET.findall(html.decode())
        assert any("htmx" in path for path in loaded), url
        for path in loaded:
            if path not in assets:
                static = client.get(path)
                assert static.status_code == 200, path
                assets[path] = static.get_data()
                static.close()
        total = wire(html) + sum(wire(assets[path]) for path in loaded)
        raw = len(html) + sum(len(assets[path]) for path in loaded)
        assert total <= BUDGET, (url, total, raw)
        heaviest = max(heaviest, (total, raw, url))
    with capsys.disabled():
        print(f"\nheaviest page {heaviest[2]}: {heaviest[0]} bytes gzipped, {heaviest[1]} raw")

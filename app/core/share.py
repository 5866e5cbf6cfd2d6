"""Sharing a link: its QR code (the ``qr`` template filter), for the referral link and a
round's link alike (templates/_share.html lays out the copy, share and QR pieces)."""

from __future__ import annotations

import segno


def qr(url: str) -> str:
    """``url`` as a QR code in an SVG ``data:`` URI, to put in an ``<img src>`` (no request,
    no script: the page's strict CSP allows ``data:`` images)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=2))

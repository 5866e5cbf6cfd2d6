"""Helpers shared by every test package: CSRF tokens, sign-up, sign-in, mail links."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

TOKEN = re.compile(r'name="csrf[-_]token"(?: type="hidden")? (?:value|content)="([^"]+)"')
PASSWORD = "fairway-test-pass-93"


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """A CSRF token for the client's session, read from a page the way a browser would."""
    for page in (path, "/settings", "/login"):
        response = client.get(page)
        match = TOKEN.search(response.get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError("no CSRF token on any page")


def post(client: FlaskClient, path: str, data: dict | None = None, token_from: str = "/login", **kw):
    form = dict(data or {})
    form.setdefault("csrf_token", csrf(client, token_from))
    return client.post(path, data=form, **kw)


def register(client: FlaskClient, username: str, email: str | None = None, password: str = PASSWORD, **extra):
    data = {"username": username, "email": email or f"{username}@example.com", "password": password}
    data.update(extra)
    return post(client, "/register", data, token_from="/register")


def login(client: FlaskClient, login_name: str, password: str = PASSWORD, **extra):
    return post(client, "/login", {"login": login_name, "password": password, **extra})


def logout(client: FlaskClient):
    return post(client, "/logout", token_from="/settings")


def link_in(body: str, kind: str) -> str:
    """The path of the first ``/verify/...`` or ``/reset/...`` link in a mail body."""
    match = re.search(rf"https?://[^/\s]+(/{kind}/[^\s]+)", body)
    assert match, f"no {kind} link in: {body!r}"
    return match.group(1)

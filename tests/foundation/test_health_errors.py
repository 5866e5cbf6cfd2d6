"""The health check and the error pages (HTML for pages, JSON for /api/)."""

from __future__ import annotations

import pytest
from flask import abort
from flask_login import login_required

from app import create_app
from app.extensions import db
from app.identity.access import admin_required
from tests.conftest import TEST_REDIS_URL, free_port, make_config


def build(config: dict):
    application = create_app(config)
    return application


def dispose(application) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    redis = application.extensions.get("fairway.redis")
    if redis is not None:
        redis.close()


def test_healthz(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    expected_redis = "ok" if app.config["REDIS_URL"] else "disabled"
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": expected_redis}


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (services mode)")
def test_healthz_reports_redis_ok_in_services_mode(client):
    assert client.get("/healthz").get_json()["redis"] == "ok"


def test_healthz_is_503_when_redis_is_configured_but_down(database_url, smtp_server):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    application = build(make_config(database_url, dead, smtp_server.port, RATELIMIT_STORAGE_URI="memory://"))
    try:
        with application.app_context():
            response = application.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "down", "db": "ok", "redis": "down"}
        assert response.headers["Cache-Control"] == "no-store"
    finally:
        dispose(application)


def test_healthz_is_503_when_the_database_is_down(tmp_path, smtp_server):
    unreachable = f"sqlite:///{tmp_path}/no/such/dir/fairway.db"
    application = build(make_config(unreachable, None, smtp_server.port))
    try:
        with application.app_context():
            response = application.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "down", "db": "down", "redis": "disabled"}
    finally:
        dispose(application)


def test_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Join Fairway" in body and 'href="/login"' in body and 'name="viewport"' in body


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_stylesheet_is_served(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and "text/css" in response.headers["Content-Type"]
    response.close()


def test_404_is_an_html_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "We couldn&#39;t find that page." in body and "Fairway" in body


def test_405_is_an_html_page(client):
    response = client.get("/logout")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "can&#39;t be used that way" in response.get_data(as_text=True)


def test_api_404_is_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert "error" in response.get_json()
    assert response.headers["Cache-Control"] == "no-store"


def test_413_for_oversized_posts(client):
    response = client.post("/login", data={"login": "x" * (7 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.fixture
def probe_app(app):
    """The app with a few probe routes, to see how the error handlers answer."""

    @app.route("/api/probe-private")
    @login_required
    def api_private():
        return {"ok": True}

    @app.route("/probe-private")
    @login_required
    def private():
        return "secret"

    @app.route("/probe-admin")
    @admin_required
    def admin_only():
        return "admin"

    @app.route("/probe-crash")
    def crash():
        raise RuntimeError("boom: internal detail")

    @app.route("/probe-abort/<int:code>")
    def aborting(code: int):
        abort(code)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_api_route_answers_401_json_to_anonymous(probe_app, client):
    response = client.get("/api/probe-private")
    assert response.status_code == 401
    assert response.get_json() == {"error": "unauthorized"}
    assert response.headers["Cache-Control"] == "no-store"


def test_page_sends_anonymous_visitors_to_login(probe_app, client):
    response = client.get("/probe-private?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/probe-private?x%3D1"
    response = client.get("/probe-admin")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_non_admin_gets_403_page(probe_app, client):
    from tests.support import register

    register(client, "alice")
    response = client.get("/probe-admin")
    assert response.status_code == 403 and "have access" in response.get_data(as_text=True)


def test_admin_passes(probe_app, client, runner):
    from tests.support import PASSWORD, login

    runner.invoke(args=["users", "create-admin", "root", "root@example.com", "--password", PASSWORD])
    login(client, "root")
    assert client.get("/probe-admin").get_data(as_text=True) == "admin"


def test_500_is_a_page_without_details(probe_app, client, caplog):
    response = client.get("/probe-crash")
    assert response.status_code == 500 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body and "boom" not in body
    assert "unhandled error on GET /probe-crash" in caplog.text


@pytest.mark.parametrize(
    ("code", "text"),
    [(400, "didn&#39;t make sense"), (403, "have access"), (404, "couldn&#39;t find"),
     (422, "isn&#39;t valid"), (429, "too many tries"), (500, "went wrong")],
)
def test_error_pages(probe_app, client, code, text):
    response = client.get(f"/probe-abort/{code}")
    assert response.status_code == code and response.mimetype == "text/html"
    assert text in response.get_data(as_text=True)

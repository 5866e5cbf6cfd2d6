"""Avatars: images only, size-limited, re-encoded and resized, served with caching headers."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.test import EnvironBuilder

from app.extensions import db
from app.profiles.models import Profile
from tests.support import csrf, register


def picture(fmt: str = "PNG", size: tuple[int, int] = (640, 480), color: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def upload(client, data: bytes, filename: str = "me.png", **extra):
    """POST the edit form with a file; the request body is closed here (large bodies spill
    to a temporary file the test client would leave open)."""
    form = {
        "csrf_token": csrf(client, "/profile/edit"),
        "display_name": "Ann",
        "avatar": (io.BytesIO(data), filename),
    }
    form.update(extra)
    builder = EnvironBuilder(path="/profile/edit", method="POST", data=form)
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def stored_avatar() -> str | None:
    db.session.expire_all()
    return db.session.get(Profile, 1).avatar


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_image_is_reencoded_as_a_square_jpeg(client, app, fmt):
    register(client, "ann")
    response = upload(client, picture(fmt), filename=f"me.{fmt.lower()}")
    assert response.status_code == 303
    name = stored_avatar()
    assert name and name.endswith(".jpg")
    path = Path(app.config["AVATAR_DIR"]) / name
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (256, 256)


def test_avatar_is_served_with_caching_headers_and_shown_on_the_profile(client):
    register(client, "ann")
    upload(client, picture())
    name = stored_avatar()
    page = client.get("/u/ann").get_data(as_text=True)
    assert f"/avatars/{name}" in page
    response = client.get(f"/avatars/{name}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg" and body.startswith(b"\xff\xd8")
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert client.get("/avatars/missing.jpg").status_code == 404
    assert client.get("/avatars/..%2Fsecret_key").status_code == 404


def test_metadata_is_dropped(client, app):
    register(client, "ann")
    image = Image.new("RGB", (300, 300), "red")
    exif = image.getexif()
    exif[0x010E] = "secret location note"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert upload(client, out.getvalue(), filename="me.jpg").status_code == 303
    stored = (Path(app.config["AVATAR_DIR"]) / stored_avatar()).read_bytes()
    assert b"secret location note" not in stored


def test_a_new_upload_replaces_the_old_file(client, app):
    register(client, "ann")
    upload(client, picture())
    first = stored_avatar()
    upload(client, picture(color="blue"))
    second = stored_avatar()
    assert first != second
    assert not (Path(app.config["AVATAR_DIR"]) / first).exists()
    assert (Path(app.config["AVATAR_DIR"]) / second).exists()


def test_avatar_can_be_removed(client, app):
    register(client, "ann")
    upload(client, picture())
    name = stored_avatar()
    token = csrf(client, "/profile/edit")
    response = client.post(
        "/profile/edit", data={"csrf_token": token, "display_name": "Ann", "remove_avatar": "y"}
    )
    assert response.status_code == 303
    assert stored_avatar() is None
    assert not (Path(app.config["AVATAR_DIR"]) / name).exists()


@pytest.mark.parametrize(
    "data,filename",
    [
        (b"just some text, not a picture\n" * 10, "me.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "broken.png"),
        (b"%PDF-1.4 not an image", "doc.jpg"),
        (b"", "empty.png"),
    ],
)
def test_non_images_are_422_with_a_message(client, data, filename):
    register(client, "ann")
    response = upload(client, data, filename=filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "picture we can read" in page or "empty" in page
    assert stored_avatar() is None


def test_a_truncated_image_is_422(client):
    register(client, "ann")
    response = upload(client, picture("JPEG", (800, 800))[:500], filename="cut.jpg")
    assert response.status_code == 422
    assert "picture we can read" in response.get_data(as_text=True)


def test_a_20_mb_upload_is_refused_with_a_message(client):
    register(client, "ann")
    response = upload(client, b"\xff" * (20 * 1024 * 1024), filename="huge.jpg")
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert stored_avatar() is None


class TestOwnLimit:
    @pytest.fixture
    def config_overrides(self, tmp_path):
        return {"AVATAR_DIR": str(tmp_path / "avatars"), "AVATAR_MAX_BYTES": 1024 * 1024}

    def test_upload_over_the_avatar_limit_is_422(self, client):
        register(client, "ann")
        noisy = Image.frombytes("RGB", (1000, 1000), os.urandom(3 * 1000 * 1000))
        out = io.BytesIO()
        noisy.save(out, "PNG")
        assert len(out.getvalue()) > 1024 * 1024
        response = upload(client, out.getvalue())
        assert response.status_code == 422
        assert "at most 1 MB" in response.get_data(as_text=True)


def test_a_decompression_bomb_is_refused(client):
    register(client, "ann")
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")
    response = upload(client, out.getvalue(), filename="bomb.png")
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True) or "picture we can read" in response.get_data(
        as_text=True
    )


def test_a_replacement_rolled_back_keeps_the_old_picture(client, app):
    from app.profiles import services

    register(client, "ann")
    upload(client, picture())
    first = stored_avatar()
    with app.test_request_context():
        profile = db.session.get(Profile, 1)
        services.set_avatar(profile, picture(color="blue"))
        db.session.rollback()  # the request failed after the upload was handled
    assert stored_avatar() == first
    assert (Path(app.config["AVATAR_DIR"]) / first).exists()
    served = client.get(f"/avatars/{first}")
    served.close()
    assert served.status_code == 200

"""Avatars: an upload is decoded and re-encoded as a square JPEG under a fresh name; the old
file goes once the request has committed."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from app import jobs
from app.extensions import db
from app.profiles.editing import ProfileError
from app.profiles.models import Profile

AVATAR_SIZE = 256
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def avatar_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config["AVATAR_DIR"])


def _max_avatar_bytes() -> int:
    return int(current_app.config["AVATAR_MAX_BYTES"])


def read_avatar_upload(stream: Any) -> bytes:
    """The uploaded bytes, refusing anything over the size limit without reading it all."""
    limit = _max_avatar_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ProfileError("avatar", f"Pictures can be at most {limit // (1024 * 1024)} MB.")
    if not data:
        raise ProfileError("avatar", "That file is empty.")
    return data


def render_avatar(data: bytes) -> bytes:
    """Decode an upload as an image and re-encode it as a square JPEG: whatever else the
    file carried (metadata, trailing bytes, another format) is dropped."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    not_image = ProfileError(
        "avatar", "That file isn't a picture we can read. Upload a JPEG, PNG, GIF or WebP."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in AVATAR_FORMATS:
                    raise not_image
                if image.width * image.height > AVATAR_MAX_PIXELS:
                    raise ProfileError("avatar", "That picture is too large. Use one under 40 megapixels.")
                image.seek(0)
                image.load()
                picture = ImageOps.exif_transpose(image) or image
                picture = picture.convert("RGB")
                picture = ImageOps.fit(picture, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    except ProfileError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, ValueError, SyntaxError, EOFError) as exc:
        raise not_image from exc
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def set_avatar(profile: Profile, data: bytes) -> str:
    """Store a re-encoded avatar under a fresh name (so it can be cached forever) and drop the old one."""
    encoded = render_avatar(data)
    directory = avatar_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{profile.user_id}-{secrets.token_hex(8)}.jpg"
    (directory / name).write_bytes(encoded)
    old, profile.avatar = profile.avatar, name
    db.session.flush()
    if old:
        _delete_after_commit(old)
    return name


def change_avatar(profile: Profile, upload: Any, remove: bool) -> None:
    """What a profile form's picture fields ask for: a file chosen replaces the picture, the
    "remove" box drops it, neither keeps it."""
    if upload is not None and upload.filename:
        set_avatar(profile, read_avatar_upload(upload.stream))
    elif remove:
        remove_avatar(profile)


def remove_avatar(profile: Profile) -> None:
    old, profile.avatar = profile.avatar, None
    db.session.flush()
    if old:
        _delete_after_commit(old)


def _delete_after_commit(name: str) -> None:
    # Only once the profile no longer names the file for good: a rolled-back request keeps it.
    jobs.enqueue("app.profiles.avatars.delete_avatar_file", name, queue=jobs.HERE)


def delete_avatar_file(name: str) -> None:
    (avatar_dir() / Path(name).name).unlink(missing_ok=True)

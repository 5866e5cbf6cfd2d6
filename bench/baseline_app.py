"""The load benchmark's baseline: a bare Flask app answering like /healthz, served by the same
gunicorn settings as Fairway, so ratios measure Fairway's own cost per request."""

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")

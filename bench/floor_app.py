"""Fairway as ``wsgi:app`` serves it, plus two pages that do nothing but what every signed-in
page does, so that ``bench/pages_load.py`` measures the floor the real pages stand on:

- ``/bench/floor/plain``: the session (Redis) and the player (by session token), a plain-text
  answer: what signing in costs a request;
- ``/bench/floor/layout``: the same and the layout, ``base.html`` with an empty page: the
  navigation's one statement (badges, name), its links and the template.

Benchmarks only: the app's own routes are untouched."""

from flask import render_template
from flask_login import current_user, login_required

from app import create_app

app = create_app()
#: Compiled once, as Flask's loader keeps the app's own templates.
EMPTY_PAGE = app.jinja_env.from_string('{% extends "base.html" %}{% block title %}Floor{% endblock %}')


@app.get("/bench/floor/plain")
@login_required
def floor_plain() -> str:
    return f"signed in as {current_user.username}"


@app.get("/bench/floor/layout")
@login_required
def floor_layout() -> str:
    return render_template(EMPTY_PAGE)

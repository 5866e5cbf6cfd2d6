"""A view run again after a serialization failure starts from what the request had: whatever the
failed attempt put in the session or in ``g`` is void (a sign-in, a referral memory to drop)."""

from __future__ import annotations

from flask import g, redirect, session
from sqlalchemy.exc import OperationalError

from app.core.transactions import retried
from app.referrals import memory


class SerializationFailure(Exception):
    sqlstate = "40001"


def test_a_failed_attempt_leaves_nothing_behind(app):
    seen = []

    @retried
    def view():  # type: ignore[no-untyped-def]
        kept = {key: value for key, value in session.items() if not key.startswith("_")}
        seen.append((kept, g.get("marker"), memory.remembered()))
        session["attempt"] = len(seen)
        g.marker = len(seen)
        memory.forget()
        if len(seen) == 1:
            raise OperationalError("UPDATE ...", {}, SerializationFailure("could not serialize"))
        return redirect("/", 303)

    with app.test_request_context(headers={"Cookie": f"{memory.COOKIE}={memory.signed('ABCD2345EFGH')}"}):
        session["kept"] = "yes"
        response = app.process_response(view())
    assert seen == [({"kept": "yes"}, None, "ABCD2345EFGH")] * 2
    # The second attempt forgot the referral too, so the cookie goes, once.
    deletions = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(memory.COOKIE + "=;")]
    assert len(deletions) == 1


def test_a_forgetting_the_last_attempt_did_not_repeat_is_void(app):
    attempts = []

    @retried
    def view():  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) == 1:
            memory.forget()  # e.g. an account made, then the transaction refused
            raise OperationalError("INSERT ...", {}, SerializationFailure("could not serialize"))
        return redirect("/", 303)  # e.g. the address was taken meanwhile: no account here

    with app.test_request_context(headers={"Cookie": f"{memory.COOKIE}={memory.signed('ABCD2345EFGH')}"}):
        response = app.process_response(view())
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith(memory.COOKIE + "=")]

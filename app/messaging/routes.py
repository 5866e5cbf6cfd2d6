"""The inbox and conversations: validate, call one service, redirect (PRG)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.core.converters import id_arg
from app.core.views import limit_setting, page_arg, refused, wants_fragment
from app.extensions import limiter
from app.identity.models import User
from app.messaging import bp, services
from app.messaging.forms import MessageForm, StartForm
from app.safety.services import FirstContactLimit, Unreachable, may_reach


@bp.route("/messages")
@login_required
def inbox() -> Response | str | tuple[str, int]:
    """The inbox, with its "New message" box: ``?to=<username>`` leads to that conversation
    (303), or comes back with the reason it can't (422, 404, or 403 across a block)."""
    if "to" not in request.args:
        return _inbox_page(StartForm(formdata=None))
    form = StartForm(request.args)
    if not form.validate():
        return _inbox_page(form), 422
    other = services.active_user(form.to.data or "")
    if other is None:
        return _inbox_page(form, f"There's no player called {form.to.data} on Fairway."), 404
    if other.id == current_user.id:
        return _inbox_page(form, "You can't send messages to yourself."), 422
    if not may_reach(current_user, other):
        return _inbox_page(form, f"You can't message {other.username}."), 403
    return redirect(url_for("messaging.conversation", username=other.username), 303)


def _inbox_page(start: StartForm, problem: str | None = None) -> str:
    if problem:
        start.to.errors = [*start.to.errors, problem]
    inbox = services.inbox(current_user, page_arg())
    return render_template(
        "messaging/inbox.html", inbox=inbox, start=start, people=services.people_to_write(current_user),
    )


def _conversation_page(other: User, form: MessageForm) -> str:
    """The page; from htmx only the part it swaps: a page of older messages (``?before=``)
    or the thread with its compose box (after a send)."""
    conversation = services.find_conversation(current_user, other)
    before = id_arg("before")
    if conversation is not None and request.method == "GET":
        services.mark_read(current_user, conversation)
    template = "messaging/conversation.html"
    if wants_fragment():
        template = "messaging/_messages.html" if before is not None else "messaging/_thread.html"
    return render_template(
        template, other=other, form=form, before=before,
        page=services.conversation_page(conversation, before),
    )


@bp.get("/messages/<username>/since")
@login_required
def since(username: str) -> Response | str | tuple[str, int]:
    """The open conversation's poll (htmx, every ``MESSAGES_POLL_SECONDS``): the messages after
    ``?after=<id>`` (absent: the page had none) as bubbles to append, marked read like the page
    marks them; 204 when there is nothing new, in one statement."""
    after = id_arg("after") or 0
    found = services.messages_since(current_user, username, after)
    if found.other is None:
        abort(404)
    if found.other.id == current_user.id:
        return refused(422, "You can't send messages to yourself.")
    if not found.reachable:
        return refused(403, f"You can't message {found.other.username}.")
    if not found.messages:
        return Response(status=204)
    if found.conversation is not None and any(m.sender_id != current_user.id for m in found.messages):
        services.mark_read(current_user, found.conversation)
    return render_template("messaging/_since.html", other=found.other, messages=found.messages, after=after)


@bp.get("/messages/<username>")
@bp.post("/messages/<username>")
@login_required
@limiter.limit(
    limit_setting("RATELIMIT_MESSAGE"), key_func=lambda: f"message:{current_user.id}", methods=["POST"]
)
def conversation(username: str) -> Response | str | tuple[str, int]:
    other = services.active_user(username)
    if other is None:
        abort(404)
    if other.id == current_user.id:
        return refused(422, "You can't send messages to yourself.")
    if not may_reach(current_user, other):
        return refused(403, f"You can't message {other.username}.")
    form = MessageForm()
    if request.method == "GET":
        return _conversation_page(other, form)
    if form.validate_on_submit():
        try:
            services.send_message(current_user, other, form.body.data or "")
        except (Unreachable, FirstContactLimit) as exc:
            return refused(exc.status, str(exc))
        except services.MessagingError as exc:
            form.body.errors = [*form.body.errors, str(exc)]
        else:
            if wants_fragment():
                return _conversation_page(other, MessageForm(formdata=None))
            return redirect(url_for("messaging.conversation", username=other.username), 303)
    return _conversation_page(other, form), 422

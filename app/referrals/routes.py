"""Referral views: validate, call one service, redirect (PRG)."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.clock import utcnow
from app.core.text import plural
from app.core.views import limit_setting, refused
from app.extensions import client_address, limiter
from app.identity.access import admin_required, signed_in
from app.referrals import bp, clicks, friend_invites, holds, links, memory, quota, stats, tree, welcome
from app.referrals import freeze as freezes
from app.referrals import invites as invite_codes
from app.referrals import waitlist as waitlists
from app.referrals.codes import MAX_INPUT
from app.referrals.forms import ActionForm, FriendInviteForm, InviteForm, InviteNextForm, WaitlistForm

#: The waitlist entry this browser joined with, so the page can show its place in line.
WAITLIST_KEY = "waitlist_entry"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- links -----------------------------------------------------------------------------------


@bp.route("/r/<code>")
def follow(code: str) -> Response:
    """Remember the first referral this browser follows, count the click, go to sign-up.
    Unknown codes get the same answer; a signed-in user's click changes nothing."""
    target = links.link_target(code[:MAX_INPUT])
    if target.code_id is not None and not signed_in():
        memory.remember(target.code)
        clicks.record_click(target.code_id, client_address())
    return _no_store(redirect(url_for("identity.register", code=target.code), 303))


def _mine_page(invite_form: FriendInviteForm | None = None) -> str:
    code = links.current_code(current_user)
    url = links.referral_url(code)
    invite_only = current_app.config["REGISTRATION_MODE"] == "invite_only"
    return render_template(
        "referrals/mine.html", code=code, url=url,
        stats=stats.stats_for(current_user), people=stats.people_referred(current_user),
        allowance=quota.allowance(current_user) if invite_only else None,
        form=ActionForm(), invite_form=invite_form or FriendInviteForm(),
        points_per_referral=friend_invites.VERIFIED_REFERRAL_POINTS,
    )


@bp.route("/referrals")
@login_required
def mine() -> str:
    return _mine_page()


@bp.route("/referrals/invite", methods=["POST"])
@login_required
@limiter.limit(limit_setting("RATELIMIT_INVITE_MAIL"), key_func=lambda: f"invite-mail:{current_user.id}")
def invite_by_mail() -> Response | tuple[str, int]:
    form = FriendInviteForm()
    if form.validate_on_submit():
        try:
            friend_invites.invite_by_mail(current_user, form.email.data, form.note.data or "")
        except friend_invites.InviteMailRefused as exc:
            form.email.errors.append(str(exc))
            return _mine_page(form), 422
        flash(f"Invite sent to {form.email.data}, unless they're on Fairway already.", "success")
        return redirect(url_for("referrals.mine"), 303)
    return _mine_page(form), 422


@bp.route("/referrals/rotate", methods=["POST"])
@login_required
def rotate() -> Response:
    links.rotate_code(current_user)
    flash("You have a new referral link. Links you shared before keep working.", "success")
    return redirect(url_for("referrals.mine"), 303)


@bp.route("/leaderboard")
def leaderboard() -> str:
    return render_template("referrals/leaderboard.html", rows=stats.leaderboard(viewer=current_user))


@bp.get("/waitlist")
@bp.post("/waitlist")
@limiter.limit(limit_setting("RATELIMIT_WAITLIST_IP"), methods=["POST"])
def waitlist() -> Response | str | tuple[str, int]:
    if current_app.config["REGISTRATION_MODE"] != "invite_only":
        flash("Sign-up is open: no need to wait.", "info")
        return redirect(url_for("identity.register"), 303 if request.method == "POST" else 302)
    form = WaitlistForm()
    if form.validate_on_submit():
        session[WAITLIST_KEY] = waitlists.join_waitlist(form.email.data).id
        flash("You're on the waitlist. We'll mail you an invite when a spot opens.", "success")
        return redirect(url_for("referrals.waitlist"), 303)
    joined = waitlists.entry_by_id(session.get(WAITLIST_KEY))
    page = render_template(
        "referrals/waitlist.html", form=form, entry=joined,
        place=waitlists.place_in_line(joined) if joined is not None else None,
    )
    return (page, 422) if request.method == "POST" else page


# --- JSON ------------------------------------------------------------------------------------


@bp.route("/api/my-referral-link")
@login_required
def api_my_link() -> Response:
    code = links.current_code(current_user)
    return _no_store(jsonify({
        "referral_url": links.referral_url(code),
        "referral_code": code,
        "email_verified": current_user.email_verified,
        "pending": False,
    }))


@bp.route("/api/referral/resolve")
@limiter.shared_limit(limit_setting("RATELIMIT_RESOLVE_IP"), scope=welcome.RESOLVE_SCOPE)
def api_resolve() -> Response:
    """Always 200 with the same keys, found or not, so probing learns only ``valid``."""
    resolution = links.resolve(request.args.get("code", "")[:MAX_INPUT])
    referrer = resolution.referrer
    return _no_store(jsonify({
        "code": resolution.code,
        "valid": resolution.valid,
        "kind": resolution.kind,
        "referrer": referrer.username if referrer is not None else None,
    }))


# --- admin -----------------------------------------------------------------------------------


def _invites_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "referrals/admin_invites.html", form=form, invites=invite_codes.recent_invites(),
        now=utcnow(),
    ), status


@bp.get("/admin/invites")
@bp.post("/admin/invites")
@admin_required
def admin_invites() -> Response | tuple[str, int]:
    form = InviteForm()
    if form.validate_on_submit():
        invites = invite_codes.create_invites(
            current_user._get_current_object(), count=form.count.data, uses=form.uses.data,
            expires_on=form.expires.data, email=form.email.data or None, note=form.note.data or "",
        )
        flash(f"Created {len(invites)} invite {plural(len(invites), 'code')}.", "success")
        return redirect(url_for("referrals.admin_invites"), 303)
    if request.method == "POST":
        return _invites_page(form, 422)
    return _invites_page(form)


@bp.route("/admin/invites/<int:invite_id>/revoke", methods=["POST"])
@admin_required
def admin_revoke_invite(invite_id: int) -> Response:
    try:
        invite_codes.revoke_invite(current_user._get_current_object(), invite_id)
    except invite_codes.InviteNotFound:
        abort(404)
    flash("The invite is revoked.", "success")
    return redirect(url_for("referrals.admin_invites"), 303)


@bp.route("/admin/referrals")
@admin_required
def admin_referrals() -> str:
    return render_template("referrals/admin_referrals.html", tree=tree.referral_tree())


def _waitlist_page(form: InviteNextForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "referrals/admin_waitlist.html", entries=waitlists.waitlist(), next_form=form,
    ), status


def _freeze_action(user_id: int, freeze: bool) -> Response | tuple[str, int]:
    actor = current_user._get_current_object()
    scope = request.form.get("scope", "")
    try:
        if freeze:
            result = freezes.freeze_invites(actor, user_id, scope)
        else:
            result = freezes.unfreeze_invites(actor, user_id, scope)
    except freezes.UserNotFound:
        abort(404)
    except freezes.FreezeRefused as exc:
        return refused(422, str(exc))
    if freeze:
        flash(f"Froze the invites of {result.changed} {plural(result.changed, 'player')}; revoked "
              f"{result.invites_revoked} unused invite {plural(result.invites_revoked, 'code')}.", "success")
    else:
        flash(f"Unfroze the invites of {result.changed} {plural(result.changed, 'player')}.", "success")
    return redirect(url_for("referrals.admin_referrals"), 303)


@bp.route("/admin/users/<int:user_id>/freeze-invites", methods=["POST"])
@admin_required
def admin_freeze_invites(user_id: int) -> Response | tuple[str, int]:
    return _freeze_action(user_id, freeze=True)


@bp.route("/admin/users/<int:user_id>/unfreeze-invites", methods=["POST"])
@admin_required
def admin_unfreeze_invites(user_id: int) -> Response | tuple[str, int]:
    return _freeze_action(user_id, freeze=False)


@bp.route("/admin/waitlist")
@admin_required
def admin_waitlist() -> tuple[str, int]:
    return _waitlist_page(InviteNextForm())


@bp.route("/admin/waitlist/invite-next", methods=["POST"])
@admin_required
def admin_waitlist_invite_next() -> Response | tuple[str, int]:
    form = InviteNextForm()
    if not form.validate_on_submit():
        return _waitlist_page(form, 422)
    invites = waitlists.invite_next(current_user._get_current_object(), form.count.data)
    if invites:
        flash(f"Mailed {len(invites)} {plural(len(invites), 'invite')}.", "success")
    else:
        flash("Nobody is waiting.", "info")
    return redirect(url_for("referrals.admin_waitlist"), 303)


@bp.route("/admin/waitlist/<int:entry_id>/invite", methods=["POST"])
@admin_required
def admin_waitlist_invite(entry_id: int) -> Response:
    try:
        waitlists.invite_from_waitlist(current_user._get_current_object(), entry_id)
    except invite_codes.InviteNotFound:
        abort(404)
    flash("Invite mailed.", "success")
    return redirect(url_for("referrals.admin_waitlist"), 303)


@bp.route("/admin/referrals/review")
@admin_required
def admin_review() -> str:
    return render_template("referrals/admin_review.html", held=holds.held_referrals())


def _review_action(referral_id: int, approve: bool) -> Response:
    actor = current_user._get_current_object()
    try:
        if approve:
            changed = holds.approve_referral(actor, referral_id)
        else:
            changed = holds.reject_referral(actor, referral_id)
    except holds.HoldNotFound:
        abort(404)
    if not changed:
        flash("That referral was already decided.", "info")
    elif approve:
        flash("Approved: the referral counts and its points are paid once the player is verified.", "success")
    else:
        flash("Rejected: the referral's points are withheld.", "success")
    return redirect(url_for("referrals.admin_review"), 303)


@bp.route("/admin/referrals/review/<int:referral_id>/approve", methods=["POST"])
@admin_required
def admin_review_approve(referral_id: int) -> Response:
    return _review_action(referral_id, approve=True)


@bp.route("/admin/referrals/review/<int:referral_id>/reject", methods=["POST"])
@admin_required
def admin_review_reject(referral_id: int) -> Response:
    return _review_action(referral_id, approve=False)

"""The federation's page of the administration (/admin/federation): follow a neighbour by handle
or address, stop following (admins); accept, refuse or remove followers, block domains and
actors, restore removed commons, approve or refuse held ones (moderators and admins:
moderation). Removing one common is a button of its banner (moderators), posted here.

Rights through `wiki.rights` only (admin_required / moderator_required), CSRF on every form (this
blueprint, unlike the endpoints that peers sign, is not exempt). Remote look-ups happen in the
request, through the same checked path as `bocage follow` (resolve.actor). What a block or a
removal does is federation/moderation.py's.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wiki.render.sanitize import sanitize_text_line
from wiki.rights import admin_required, moderator_required

from . import actors, blocklist, moderation, resolve
from .activities.follow import decide, follow, unfollow
from .models import Follower, Following, RemoteActor

bp = Blueprint("federation_admin", __name__, url_prefix="/admin/federation")


def _local(value: str) -> str | None:
    """One of our actors named in a form (the territory when empty); None if unknown."""
    name = value or actors.local_names()[0]
    return name if actors.kind_of(name) else None


def _names(urls_: set[str]) -> dict[str, RemoteActor]:
    return {a.url: a for a in RemoteActor.select().where(RemoteActor.url.in_(sorted(urls_)))} if urls_ else {}


def _reason() -> str:
    """A moderator's reason: one line of plain text (shown escaped, like everything here)."""
    return sanitize_text_line(" ".join(request.form.get("reason", "").split()))[:500]


@bp.get("")
@moderator_required
def home():
    following = list(Following.select().order_by(Following.local, Following.actor))
    followers = list(Follower.select().order_by(Follower.status.desc(), Follower.local, Follower.actor))
    held, removed, blocked_actors = moderation.held(), moderation.removed(), blocklist.blocked_actors()
    known = _names({r.actor for r in following} | {r.actor for r in followers} | {r.url for r in blocked_actors}
                   | {r.origin for r in held})
    return render_template("admin/federation.html", following=following, followers=followers, known=known,
                           locals=actors.local_names(), blocked=blocklist.blocked(), blocked_actors=blocked_actors,
                           held=held, removed=removed, handle=request.args.get("handle", ""))


@bp.post("/suivre")
@admin_required
def follow_post():
    handle, local = request.form.get("handle", "").strip()[:500], _local(request.form.get("local", ""))
    if not handle or local is None:
        flash(_("Write the address of a territory to follow: @name@host or its URL."), "error")
        return redirect(url_for(".home", handle=handle))
    try:
        target = resolve.actor(handle)
    except resolve.RemoteError as exc:
        flash(_("“%(handle)s” could not be followed: %(reason)s", handle=handle, reason=str(exc)[:300]), "error")
        return redirect(url_for(".home", handle=handle))
    follow(local, target)
    flash(_("The follow request is sent to %(who)s: it shows as accepted once they answer.",
            who=target.handle or target.url), "notice")
    return redirect(url_for(".home"))


@bp.post("/ne-plus-suivre")
@admin_required
def unfollow_post():
    local = _local(request.form.get("local", ""))
    target = RemoteActor.get_or_none(RemoteActor.url == request.form.get("actor", ""))
    if local and target and unfollow(local, target):
        flash(_("You no longer follow this territory: what it sends is not received any more."), "notice")
    else:
        flash(_("This territory was not followed."), "error")
    return redirect(url_for(".home"))


@bp.post("/abonnes")
@moderator_required
def follower_post():
    """Accept or refuse a pending follow request, or remove a follower (a refusal, as Mastodon)."""
    local, actor, accept = _local(request.form.get("local", "")), request.form.get("actor", ""), \
        request.form.get("decision") == "accept"
    try:
        done = bool(local) and decide(local, actor, accept=accept)
    except resolve.RemoteError as exc:
        flash(_("The answer could not be sent: %(reason)s", reason=str(exc)[:300]), "error")
        return redirect(url_for(".home"))
    if not done:
        flash(_("This follower is not known."), "error")
    else:
        from wiki import audit
        audit.record("federation.accept_follower" if accept else "federation.remove_follower", actor[:300], local)
        flash(_("Follower accepted.") if accept else _("Follower removed: they no longer receive what is published here."),
              "notice")
    return redirect(url_for(".home"))


def _blocked_message(done: dict) -> str:
    return _("%(follows)s follows removed, %(hidden)s commons hidden (they come back if you unblock).",
             follows=done["follows"], hidden=done["hidden"])


@bp.post("/blocages")
@moderator_required
def block_post():
    domain = blocklist.normalise(request.form.get("domain", ""))[:255]
    if request.form.get("remove"):
        back = moderation.unblock_domain(domain)
        changed, message = back is not None, _("%(domain)s is no longer blocked: %(count)s commons back.",
                                               domain=domain, count=back or 0)
    elif not domain or "/" in domain or " " in domain or "@" in domain:
        flash(_("Write a domain name, such as example.org."), "error")
        return redirect(url_for(".home"))
    else:
        done = moderation.block_domain(domain, _reason())
        changed, message = done is not None, _("%(domain)s is blocked: its activities are refused and nothing is "
                                               "fetched from it.", domain=domain)
        message = f"{message} {_blocked_message(done)}" if changed else message
    flash(message if changed else _("Nothing to change."), "notice" if changed else "error")
    return redirect(url_for(".home"))


@bp.post("/acteurs")
@moderator_required
def block_actor_post():
    """Block one actor (its address, or @name@host looked up by WebFinger), or unblock it."""
    given = request.form.get("actor", "").strip()[:500]
    if request.form.get("remove"):
        back = moderation.unblock_actor(given)
        flash(_("%(actor)s is no longer blocked: %(count)s commons back.", actor=given, count=back) if back is not None
              else _("Nothing to change."), "notice" if back is not None else "error")
        return redirect(url_for(".home"))
    if not given.startswith(("https://", "http://")):
        try:
            given = resolve.actor(given).url if given else ""
        except resolve.RemoteError as exc:
            flash(_("“%(handle)s” could not be found: %(reason)s", handle=given, reason=str(exc)[:300]), "error")
            return redirect(url_for(".home"))
    if not given or given != sanitize_text_line(given) or any(c.isspace() or c in "<>\"" for c in given):
        flash(_("Write the address of an actor (https://…) or its handle (@name@host)."), "error")
        return redirect(url_for(".home"))
    done = moderation.block_actor(given, _reason())
    flash(" ".join((_("%(actor)s is blocked: its activities are refused.", actor=given), _blocked_message(done)))
          if done is not None else _("Nothing to change."), "notice" if done is not None else "error")
    return redirect(url_for(".home"))


@bp.post("/communs/retirer")
@moderator_required
def remove_post():
    """"Remove this common" (its banner): to the trash, and its later Updates ignored."""
    name = request.form.get("name", "")[:100]
    if moderation.remove(name, _reason()) is None:
        abort(404)
    flash(_("The common is removed: it is in the trash, and what its territory sends about it is ignored. "
            "You can restore it below."), "notice")
    return redirect(url_for(".home") + "#removed-title")


@bp.post("/communs/restaurer")
@moderator_required
def restore_post():
    if moderation.restore(request.form.get("id", "")):
        flash(_("The common is back."), "notice")
    else:
        flash(_("Nothing to restore (a common hidden by a block comes back when it is unblocked)."), "error")
    return redirect(url_for(".home") + "#removed-title")


@bp.post("/communs/en-attente")
@moderator_required
def held_post():
    """Approve or refuse a held common (`[federation] hold_commons = true`)."""
    key, approve = request.form.get("id", ""), request.form.get("decision") == "approve"
    done = moderation.approve(key) if approve else moderation.reject(key, _reason())
    if not done:
        flash(_("This common is not waiting any more."), "error")
    else:
        flash(_("The common is approved: it is shown with the others.") if approve
              else _("The common is refused: it is not shown, and later versions are ignored."), "notice")
    return redirect(url_for(".home") + "#held-title")

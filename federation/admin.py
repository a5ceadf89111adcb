"""The admin's page of the federation (/admin/federation): follow a neighbour by handle or
address, stop following, accept / refuse / remove followers, block domains.

Same rights as every admin page (`wiki.rights.admin_required`), CSRF on every form (this
blueprint, unlike the endpoints that peers sign, is not exempt). Remote look-ups happen in the
admin's request, through the same checked path as `bocage follow` (resolve.actor).
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wiki.rights import admin_required

from . import actors, blocklist, resolve
from .activities.follow import decide, follow, unfollow
from .models import Follower, Following, RemoteActor

bp = Blueprint("federation_admin", __name__, url_prefix="/admin/federation")


def _local(value: str) -> str | None:
    """One of our actors named in a form (the territory when empty); None if unknown."""
    name = value or actors.local_names()[0]
    return name if actors.kind_of(name) else None


def _names(urls_: set[str]) -> dict[str, RemoteActor]:
    return {a.url: a for a in RemoteActor.select().where(RemoteActor.url.in_(sorted(urls_)))} if urls_ else {}


@bp.get("")
@admin_required
def home():
    following = list(Following.select().order_by(Following.local, Following.actor))
    followers = list(Follower.select().order_by(Follower.status.desc(), Follower.local, Follower.actor))
    known = _names({r.actor for r in following} | {r.actor for r in followers})
    return render_template("admin/federation.html", following=following, followers=followers, known=known,
                           locals=actors.local_names(), blocked=blocklist.blocked(),
                           handle=request.args.get("handle", ""))


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
@admin_required
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
        flash(_("Follower accepted.") if accept else _("Follower removed: they no longer receive what is published here."),
              "notice")
    return redirect(url_for(".home"))


@bp.post("/blocages")
@admin_required
def block_post():
    domain = blocklist.normalise(request.form.get("domain", ""))[:255]
    if request.form.get("remove"):
        changed = blocklist.unblock(domain)
        message = _("%(domain)s is no longer blocked.", domain=domain)
    elif not domain or "/" in domain or " " in domain:
        flash(_("Write a domain name, such as example.org."), "error")
        return redirect(url_for(".home"))
    else:
        changed = blocklist.block(domain, request.form.get("reason", "")[:500])
        message = _("%(domain)s is blocked: its activities are refused and nothing is fetched from it.", domain=domain)
    flash(message if changed else _("Nothing to change."), "notice" if changed else "error")
    return redirect(url_for(".home"))

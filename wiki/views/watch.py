"""Watching pages and forms: the "Watch / Stop watching" button (POST), /compte/suivis (the
list, e-mail per watch, the feed address) and the feed itself, /suivis/<secret>.atom."""
from datetime import timezone

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..fiches import entries
from ..models import Page
from ..moderation import watch as watching
from ..names import is_valid_name
from ..rights import current_person, may_read, sign_in_required
from ..security import safe_next_url

bp = Blueprint("watch", __name__)


def _readable_target(target: str) -> str | None:
    """`target` if it names a page or form that exists and the person may read, else None."""
    kind, _sep, value = target.partition(":")
    if kind == "page" and is_valid_name(value):
        page = Page.get_or_none((Page.name == value) & Page.deleted.is_null())
        return target if page is not None and may_read(page.name, page.kind) else None
    if kind == "form" and entries.catalogue().form(value) is not None:
        return target if may_read("", value) else None
    return None


@bp.post("/suivre")
@sign_in_required
def toggle():
    target = _readable_target(request.form.get("target", "")[:150])
    back = safe_next_url(request.form.get("next"))
    if target is None:
        flash(_("There is nothing to watch there."), "error")
        return redirect(back)
    account = current_person().account_id
    if request.form.get("action") == "stop":
        watching.unwatch(account, target)
        flash(_("You no longer watch this."), "notice")
    elif watching.watch(account, target):
        flash(_("You watch this now: its changes are in your feed (see “My watches”)."), "notice")
    return redirect(back)


@bp.get("/compte/suivis")
@sign_in_required
def mine():
    account = current_person().account_id
    rows = watching.watches_of(account)
    titles = {p.name: p.title for p in Page.select(Page.name, Page.title).where(
        Page.name.in_([w.target[5:] for w in rows if w.target.startswith("page:")]))} if rows else {}
    forms = entries.catalogue().forms
    return render_template("watch/mine.html", rows=rows, titles=titles, forms=forms,
                           feed=url_for("watch.feed", token=watching.feed_token(account), _external=True),
                           mail=watching._send_mail() is not None)


@bp.post("/compte/suivis/<int:watch_id>")
@sign_in_required
def change(watch_id):
    account = current_person().account_id
    if request.form.get("action") == "stop":
        from ..moderation.models import Watch
        Watch.delete().where((Watch.id == watch_id) & (Watch.account == account)).execute()
    else:
        watching.set_email(account, watch_id, request.form.get("email") == "on")
    flash(_("Saved."), "notice")
    return redirect(url_for("watch.mine"))


@bp.post("/compte/suivis/flux")
@sign_in_required
def renew():
    watching.feed_token(current_person().account_id, renew=True)
    flash(_("Your feed has a new address: the old one no longer works."), "notice")
    return redirect(url_for("watch.mine"))


@bp.get("/suivis/<token>.atom")
def feed(token):
    account = watching.account_of_feed(token)
    if account is None:
        abort(404)
    instance = current_app.extensions["bocage.instance"]
    revisions = watching.feed_revisions(account)
    feed = FeedGenerator()
    feed.id(url_for("watch.mine", _external=True) + "#" + str(account.id))
    feed.title(_("%(site)s: changes I watch", site=instance.name))
    feed.link(href=url_for("watch.mine", _external=True), rel="alternate")
    feed.language(instance.language)
    feed.updated(revisions[0].created.replace(tzinfo=timezone.utc) if revisions else None)
    for rev in reversed(revisions):
        link = url_for("pages.diff", name=rev.page.name, to=rev.id, _external=True)
        entry = feed.add_entry()
        entry.id(link)
        entry.link(href=link)
        entry.title(f"{rev.title} ({rev.action})")
        entry.author({"name": rev.author})
        entry.updated(rev.created.replace(tzinfo=timezone.utc))
        entry.summary(rev.comment or rev.title)
    response = Response(feed.atom_str(pretty=False), mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response

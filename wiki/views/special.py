"""Pages about the wiki as a whole: recent changes and their feed, index, orphans, wanted pages,
the trash, search, and the language switch."""
from feedgen.feed import FeedGenerator
from flask import (Blueprint, Response, current_app, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from datetime import timezone

from ..content import provenance, queries
from ..indexing import search_index
from ..rights import hidden
from ..security import safe_next_url
from .paging import page_number

bp = Blueprint("special", __name__)
PER_PAGE = 100


@bp.get("/recent")
def recent():
    number = page_number()
    territory = request.args.get("territoire", "")[:300]
    local = current_app.extensions["bocage.instance"].name
    changes = list(queries.recent_changes(PER_PAGE, (number - 1) * PER_PAGE, territory=territory, local=local))
    neighbours = provenance.territories()
    return render_template("special/recent.html", changes=changes, number=number,
                           more=len(changes) == PER_PAGE, territory=territory,
                           territories=[local, *neighbours] if neighbours else [])


@bp.get("/recent.atom")
def recent_feed():
    instance = current_app.extensions["bocage.instance"]
    feed = FeedGenerator()
    feed.id(url_for("special.recent", _external=True))
    feed.title(_("%(site)s: recent changes", site=instance.name))
    feed.link(href=url_for("special.recent", _external=True), rel="alternate")
    feed.link(href=url_for("special.recent_feed", _external=True), rel="self")
    feed.language(instance.language)
    feed.rights(instance.licence)
    changes = list(queries.recent_changes(50))
    feed.updated(changes[0].created.replace(tzinfo=timezone.utc) if changes else None)
    for change in reversed(changes):
        entry = feed.add_entry()
        link = url_for("pages.diff", name=change.page.name, to=change.id, _external=True)
        entry.id(link)
        entry.link(href=link)
        entry.title(f"{change.title} ({change.action})")
        entry.author({"name": change.author})
        entry.updated(change.created.replace(tzinfo=timezone.utc))
        entry.summary(change.comment or change.title)
    return Response(feed.atom_str(pretty=False), mimetype="application/atom+xml")


@bp.get("/index")
def index():
    return render_template("special/pagelist.html", heading=_("All pages"),
                           pages=list(queries.page_index()), empty=_("No page yet."))


@bp.get("/orphans")
def orphans():
    home = current_app.extensions["bocage.instance"].home
    return render_template("special/pagelist.html", heading=_("Orphan pages"),
                           intro=_("No page links to these pages: link them from a page that fits."),
                           pages=list(queries.orphans(home)), empty=_("No orphan page."))


@bp.get("/wanted")
def wanted():
    return render_template("special/wanted.html", wanted=list(queries.wanted()))


@bp.get("/trash")
def trash():
    return render_template("special/trash.html", pages=list(queries.trash()))


@bp.get("/search")
def search():
    query, territory = request.args.get("q", "")[:500], request.args.get("territoire", "")[:300]
    local = current_app.extensions["bocage.instance"].name
    keep = provenance.names_from(territory, local)
    results = (search_index().search(query, limit=20, page=page_number(), keep=keep, hide=hidden())
               if query.strip() else None)
    neighbours = provenance.territories()
    return render_template("special/search.html", query=query, results=results, territory=territory,
                           territories=[local, *neighbours] if neighbours else [])


@bp.get("/lang/<code>")
def set_language(code):
    response = redirect(safe_next_url(request.args.get("next")))
    if code in ("fr", "en"):
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response

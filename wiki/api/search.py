"""/api/search: the full-text search as JSON."""
from flask import current_app, jsonify, request, url_for

from ..content import provenance
from ..indexing import search_index
from ..rights import hidden
from . import bp


@bp.get("/search")
def search():
    query = request.args.get("q", "")[:500]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    limit = max(1, min(100, request.args.get("limit", 20, type=int) or 20))
    keep = provenance.names_from(request.args.get("territoire", "")[:300], current_app.extensions["bocage.instance"].name)
    results = search_index().search(query, limit=limit, page=page, keep=keep, hide=hidden())
    marks = provenance.territories_of(h.name for h in results.hits)
    return jsonify(query=query, total=results.total, page=results.page, pages=results.pages,
                   error=results.error, results=[
                       {"name": h.name, "title": h.title, "excerpt": h.excerpt, "kind": h.kind,
                        "territory": marks.get(h.name, ""),        # a neighbour's common; "" for ours
                        "url": url_for("pages.show", name=h.name, _external=True)}
                       for h in results.hits])

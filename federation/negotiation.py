"""Content negotiation: federating clients ask for ActivityStreams JSON at the same URLs browsers
read as HTML (actors, /wiki/<name> pages and fiches); a trashed page is a 410 Tombstone."""
import json
import re

from flask import Response, request

from wiki import rights
from wiki.models import Page

AS_TYPE = "application/activity+json"
LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
_PAGE_PATH = re.compile(r"^/wiki/([a-z0-9-]{1,100})$")


def wants_activity() -> bool:
    """Whether the client prefers ActivityStreams to HTML (browsers send text/html or */*)."""
    return _best() in ("application/activity+json", "application/ld+json")


def _best() -> str | None:
    """The preferred of HTML and the two ActivityStreams types (an ld+json with its profile
    parameter counts as ld+json: werkzeug's best_match would not match it)."""
    quality = {}
    for value, q in request.accept_mimetypes:
        kind = value.split(";", 1)[0].strip().lower()
        if kind in ("text/html", "application/activity+json", "application/ld+json", "*/*"):
            quality[kind] = max(q, quality.get(kind, 0))
    if "text/html" not in quality and "*/*" in quality:
        quality["text/html"] = quality["*/*"]
    ranked = sorted((q, kind != "text/html", kind) for kind, q in quality.items() if kind != "*/*" and q > 0)
    return ranked[-1][2] if ranked else None


def activity_response(doc: dict, status: int = 200) -> Response:
    content_type = LD_TYPE if _best() == "application/ld+json" else AS_TYPE
    response = Response(json.dumps(doc, ensure_ascii=False), status=status, content_type=content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def page_as_activity():
    """before_request: /wiki/<name> asked for as ActivityStreams; None lets the HTML view answer."""
    if request.method not in ("GET", "HEAD"):
        return None
    match = _PAGE_PATH.match(request.path)
    if match is None or not wants_activity():
        return None
    from . import objects
    page = Page.get_or_none(Page.name == match.group(1))
    if page is None or not rights.public(page.name, page.kind):    # private: as if it did not exist
        return activity_response({"error": "not found"}, 404)
    if page.deleted:
        return activity_response(objects.tombstone(page), 410)
    doc = objects.document(page)
    if doc is None:
        return activity_response({"error": "not found"}, 404)
    return activity_response(doc)


def add_vary(response):
    """after_request: the HTML of a page depends on Accept too (caches must keep both)."""
    if _PAGE_PATH.match(request.path):
        response.vary.add("Accept")
    return response

"""/api/pages: read pages and their history, create and update them with merge on conflict."""
from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from ..content import pages as content
from ..content import queries
from ..errors import error_response
from ..models import Revision
from ..render.actions import ActionContext
from ..render.page import render_page
from . import bp
from .auth import token_required

MAX_LIMIT = 500
MAX_OFFSET = content.MAX_ID   # well past any real list; larger values would overflow the database


def _iso(dt):
    return dt.isoformat(timespec="seconds") + "Z" if dt else None


def _int_arg(name, default, lo=0, hi=MAX_OFFSET):
    """An integer query argument, clamped to [lo, hi]; the default when missing or not a number."""
    value = request.args.get(name, default, type=int)
    value = default if value is None else value
    return min(hi, max(lo, value))


@bp.get("/pages")
def list_pages():
    limit, offset = _int_arg("limit", 100, 1, MAX_LIMIT), _int_arg("offset", 0)
    query = queries.page_index()
    return jsonify(total=query.count(), limit=limit, offset=offset, pages=[
        {"name": p.name, "title": p.title, "revision": p.revision, "updated": _iso(p.updated),
         "url": url_for("pages.show", name=p.name, _external=True)}
        for p in query.limit(limit).offset(offset)])


def page_json(page):
    revision = page.current
    return {
        "name": page.name, "title": page.title, "source": revision.source,
        "html": str(render_page(revision, ActionContext(page_name=page.name))),
        "revision": revision.id, "revision_number": revision.number,
        "created": _iso(page.created), "updated": _iso(page.updated),
        "author": revision.author, "url": url_for("pages.show", name=page.name, _external=True),
    }


@bp.get("/pages/<name>")
def get_page(name):
    content.valid_name(name)
    page = queries.page_with_revision(name)
    if page is None or page.deleted:
        return error_response(_("There is no page “%(name)s”.", name=name), 404)
    return jsonify(page_json(page))


@bp.get("/pages/<name>/revisions")
def revisions(name):
    content.valid_name(name)
    page = content.get_page(name, include_deleted=True)
    limit, offset = _int_arg("limit", 100, 1, MAX_LIMIT), _int_arg("offset", 0)
    rows = (Revision.select().where(Revision.page == page).order_by(Revision.number.desc())
            .limit(limit).offset(offset))
    return jsonify(name=page.name, revisions=[
        {"id": r.id, "number": r.number, "title": r.title, "author": r.author, "comment": r.comment,
         "action": r.action, "created": _iso(r.created), "size": r.size} for r in rows])


@bp.put("/pages/<name>")
@token_required
def put_page(name):
    content.valid_name(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error_response(_("The body must be a JSON object like {\"source\": \"...\", "
                                "\"base_revision\": null}."), 400)
    source, base = body.get("source"), body.get("base_revision")
    if not isinstance(source, str):
        return error_response(_("“source” (the page text in Markdown) is required and must be a string."), 400)
    if base is not None and (isinstance(base, bool) or not isinstance(base, int)):
        return error_response(_("“base_revision” must be a revision id (a whole number) or null."), 400)
    if base is not None and not 1 <= base <= content.MAX_ID:
        return error_response(_("“base_revision” %(id)s is not a revision id: ids go from 1 to %(max)s.",
                                id=str(base)[:20], max=content.MAX_ID), 400)
    comment = body.get("comment")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        return error_response(_("“comment” must be a string."), 400)
    try:
        result = content.save_page(name, source, base_revision=base, comment=comment,
                                   author=g.api_token.label)
    except content.MergeConflict as conflict:
        return jsonify(error=str(conflict.message), conflict=True,
                       current={"revision": conflict.current.id, "source": conflict.current.source},
                       yours=conflict.mine, merged=conflict.merged), 409
    return jsonify(name=result.page.name, revision=result.revision.id,
                   revision_number=result.revision.number, created=result.created,
                   merged=result.merged, unchanged=result.unchanged,
                   source=result.revision.source), 201 if result.created else 200

"""Commons received from other wikis: taking one over ("Adopt it here"), and the notice of a
change of the original after that (its diff, dismissing it or applying it)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..content import pages as content
from ..content import provenance
from ..content.diff import diff_lines
from ..fiches import entries
from .pages import _author_default as _author

bp = Blueprint("provenance", __name__)


@bp.get("/wiki/<name>/adopt")
def confirm_adopt(name):
    page = content.get_page(name)
    origin = provenance.of(page)
    if origin is None or origin.adopted:
        abort(404)
    return render_template("page/adopt.html", page=page, origin=origin)


@bp.post("/wiki/<name>/adopt")
def adopt(name):
    provenance.adopt(name, author=_author())
    flash(_("This page is now yours: you can change it; its origin stays credited."), "notice")
    return redirect(url_for("pages.show", name=name))


@bp.get("/wiki/<name>/original")
def upstream(name):
    page = content.get_page(name)
    origin = provenance.of(page)
    if origin is None or not origin.adopted or not origin.upstream_changed:
        abort(404)
    current = content.current_revision(page)
    rows = None if origin.upstream is None or origin.upstream_deleted else diff_lines(
        entries.public_source(page.kind, current.source), entries.public_source(page.kind, origin.upstream))
    return render_template("page/upstream.html", page=page, origin=origin, rows=rows)


@bp.post("/wiki/<name>/original/dismiss")
def dismiss(name):
    provenance.dismiss(name)
    flash(_("Notice dismissed."), "notice")
    return redirect(url_for("pages.show", name=name))


@bp.post("/wiki/<name>/original/apply")
def apply(name):
    result = provenance.apply_upstream(name, author=_author())
    if result.unchanged:
        flash(_("The original's text is already the current text."), "notice")
    else:
        flash(_("The original's changes are applied, as a new revision."), "notice")
    return redirect(url_for("pages.show", name=name))

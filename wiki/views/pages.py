"""Reading, editing and the history of a page."""
from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _

from ..content import pages as content
from ..content import provenance, queries
from ..content.diff import diff_lines
from ..models import Attachment, Page, Revision
from ..names import is_valid_name, title_from_name, to_name
from ..render.actions import ActionContext
from ..render.page import page_toc, render_page, render_preview
from ..errors import error_response
from ..fiches import entries
from ..rights import check_write, may_moderate, readable_page
from .read_guard import not_found_page
from . import entry as entry_views
from .cache import cached_view
from .paging import page_number
from .saved import after_save

bp = Blueprint("pages", __name__)
HISTORY_PAGE = 50


def _hidden_fiche(page) -> bool:
    """A fiche waiting for moderation is not public: its texts (revisions, diff, edit form) are for
    the people who may moderate it."""
    return page is not None and page.kind != "page" and not may_moderate() and entries.is_pending(page)


def _waiting():
    return error_response(_("This fiche is waiting for a moderator's approval: it is shown once approved."), 404)


def _canonical(name: str, endpoint: str, **kwargs):
    """Redirect /wiki/Guide Wiki-Party to /wiki/guide-wiki-party; None when `name` is already fine."""
    if is_valid_name(name):
        return None
    fixed = to_name(name)
    if fixed:
        return redirect(url_for(endpoint, name=fixed, **kwargs, **request.args), 301)
    content.valid_name(name)   # raises a ContentError with a readable message


@bp.get("/")
def home():
    name = current_app.extensions["bocage.instance"].home
    if not readable_page(name):        # /wiki/<name> is checked by views/read_guard.py
        return not_found_page(name)
    return show(name)


@bp.get("/wiki/<name>")
def show(name):
    if (fix := _canonical(name, "pages.show")) is not None:
        return fix
    return cached_view(("show", name, get_locale().language), lambda: _show(name))


def _show(name):
    page = queries.page_with_revision(name)
    if page is None:
        return render_template("page/missing.html", name=name, title=title_from_name(name),
                               backlinks=list(queries.backlinks(name))), 404
    if page.deleted:
        return render_template("page/trashed.html", page=page), 404
    if page.kind != "page":
        return entry_views.show(page)
    return render_template("page/view.html", page=page, revision=page.current,
                           body=render_page(page.current, ActionContext(page_name=name)),
                           origin=provenance.of(page),
                           toc=page_toc(page.current), attachments=_attachments(page))


def _attachments(page):
    return list(Attachment.select().where((Attachment.page == page) & Attachment.deleted.is_null())
                .order_by(Attachment.filename))


def _author_default() -> str:
    return session.get("author", "")


def _edit_form(name, *, source, base, title, comment="", author=None, status=200, **extra):
    page = queries.page_with_revision(name)
    return render_template("page/edit.html", name=name, page=page, source=source, base=base,
                           title=title, comment=comment,
                           author=_author_default() if author is None else author,
                           attachments=_attachments(page) if page else [], **extra), status


@bp.get("/wiki/<name>/edit")
def edit(name):
    if (fix := _canonical(name, "pages.edit")) is not None:
        return fix
    page = queries.page_with_revision(name)
    check_write(name, page.kind if page else "page")   # locked: say so now, not after typing
    if page is None:
        title = (request.args.get("title") or title_from_name(name))[:200]
        return _edit_form(name, source=f"# {title}\n\n", base="", title=title)
    if _hidden_fiche(page):
        return _waiting()
    content.check_writable(page)     # a common not adopted: changed at its origin only
    if page.kind != "page":
        return entry_views.edit_form(page)
    return _edit_form(name, source=page.current.source, base=page.current.id, title=page.title)


@bp.post("/wiki/<name>/edit")
def save(name):
    content.valid_name(name)
    existing = Page.get_or_none(Page.name == name)
    if _hidden_fiche(existing):
        return _waiting()
    if existing is not None and existing.kind != "page":
        return entry_views.save(_fiche_form(existing), name)
    form = request.form
    source, base = form.get("source", ""), form.get("base_revision", "")
    title, comment, author = form.get("title", ""), form.get("comment", ""), form.get("author", "")
    keep = dict(source=source, base=base, title=title, comment=comment, author=author)
    if form.get("action") == "preview":
        return _edit_form(name, **keep, preview=render_preview(source, name))
    try:
        result = content.save_page(name, source, base_revision=base or None, comment=comment,
                                   author=author, title=title or None)
    except content.MergeConflict as conflict:
        keep["base"] = conflict.current.id      # saving again resolves the conflict
        return _edit_form(name, **keep, status=409, conflict=conflict,
                          conflict_diff=diff_lines(conflict.current.source, conflict.mine))
    except content.ContentError as exc:
        return _edit_form(name, **keep, status=exc.status, error=exc.message)
    return after_save(result, author, _("Someone saved this page while you were editing it: both "
                                        "changes were merged. Check the result."))


def _fiche_form(page):
    form = entries.catalogue().form(page.kind)
    if form is None:
        raise content.NotFound(_("There is no form “%(form)s” any more.", form=page.kind))
    return form


def edit_after_csrf_failure():
    """Called on a CSRF failure: if it was a save, show the form again with the person's text."""
    if request.endpoint not in ("pages.save", "fiches.create") or request.method != "POST":
        return None
    expired = _("Your session had expired, so this was not saved yet. Your text is "
                "kept below: press “Save” again.")
    if request.endpoint == "fiches.create":      # a new fiche: its own form, with what was typed
        fiche_form = entries.catalogue().form(request.view_args.get("form_id", ""))
        return entry_views.form_again(fiche_form, None, expired) if fiche_form else None
    name = request.view_args.get("name", "")
    if not is_valid_name(name):
        return None
    existing = Page.get_or_none(Page.name == name)
    if existing is not None and existing.kind != "page":
        fiche_form = entries.catalogue().form(existing.kind)
        return entry_views.form_again(fiche_form, existing, expired) if fiche_form else None
    form = request.form
    return _edit_form(name, source=form.get("source", ""), base=form.get("base_revision", ""),
                      title=form.get("title", ""), comment=form.get("comment", ""),
                      author=form.get("author", ""), status=400, error=expired)


@bp.get("/wiki/<name>/history")
def history(name):
    if (fix := _canonical(name, "pages.history")) is not None:
        return fix
    page = content.get_page(name, include_deleted=True)
    number = page_number()
    revisions = list(Revision.select(Revision.id, Revision.number, Revision.title, Revision.comment,
                                     Revision.author, Revision.created, Revision.action, Revision.size,
                                     Revision.address_hash)
                     .where(Revision.page == page).order_by(Revision.number.desc())
                     .paginate(number, HISTORY_PAGE))
    total = Revision.select().where(Revision.page == page).count()
    return render_template("page/history.html", page=page, revisions=revisions, number=number,
                           pages=(total + HISTORY_PAGE - 1) // HISTORY_PAGE)


@bp.get("/wiki/<name>/revisions/<int:revision_id>")
def revision(name, revision_id):
    page = content.get_page(name, include_deleted=True)
    rev = content.get_revision(page, revision_id)
    if _hidden_fiche(page):
        return _waiting()
    if page.kind != "page":   # a fiche's old revision: its public text, not rendered as a page
        return render_template("page/revision.html", page=page, revision=rev, body=None,
                               source=entries.public_source(page.kind, rev.source))
    return render_template("page/revision.html", page=page, revision=rev, source=rev.source,
                           body=render_page(rev, ActionContext(page_name=name)))


@bp.get("/wiki/<name>/diff")
def diff(name):
    page = content.get_page(name, include_deleted=True)
    if _hidden_fiche(page):
        return _waiting()
    new = content.get_revision(page, request.args.get("to") or page.revision)
    old_id = request.args.get("from")
    if old_id:
        old = content.get_revision(page, old_id)
    else:
        old = (Revision.select().where((Revision.page == page) & (Revision.number < new.number))
               .order_by(Revision.number.desc()).first())
    if old is not None and old.number > new.number:
        old, new = new, old
    rows = diff_lines(entries.public_source(page.kind, old.source) if old else "",
                      entries.public_source(page.kind, new.source))
    return render_template("page/diff.html", page=page, old=old, new=new, rows=rows)


@bp.post("/wiki/<name>/revisions/<int:revision_id>/restore")
def restore(name, revision_id):
    result = content.restore_revision(name, revision_id, author=_author_default())
    if result.unchanged:
        flash(_("This revision is already the current text."), "notice")
    else:
        flash(_("Revision restored: it is now the current text (as a new revision)."), "notice")
    return redirect(url_for("pages.show", name=name))


@bp.get("/wiki/<name>/delete")
def confirm_delete(name):
    page = content.get_page(name)
    return render_template("page/delete.html", page=page)


@bp.post("/wiki/<name>/delete")
def delete(name):
    content.delete_page(name, author=_author_default(), comment=request.form.get("comment", ""))
    flash(_("The page was moved to the trash. It can be restored from there."), "notice")
    return redirect(url_for("special.trash"))


@bp.post("/wiki/<name>/undelete")
def undelete(name):
    content.undelete_page(name, author=_author_default())
    flash(_("The page is back."), "notice")
    return redirect(url_for("pages.show", name=name))


@bp.get("/wiki/<name>/backlinks")
def backlinks(name):
    if (fix := _canonical(name, "pages.backlinks")) is not None:
        return fix
    return render_template("special/pagelist.html", heading=_("Pages linking to “%(name)s”", name=name),
                           pages=list(queries.backlinks(name)), empty=_("No page links here yet."))

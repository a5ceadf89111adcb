"""Importing fiches from a CSV file in the browser: check first (a dry run), then import.

The check shows every bad line with its reason and a preview of the good ones; nothing is saved
until the person confirms. The file's text travels back with the confirmation (no temporary
files on the server to clean up).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..content.pages import ContentError
from ..fiches import csvio, entries
from ..fiches.fields import clean_entry
from ..rights import check_new_fiche

bp = Blueprint("fiches_import", __name__)
PREVIEW_LINES = 10


def _form_or_404(form_id):
    form = entries.catalogue().form(form_id)
    if form is None:
        abort(404)
    return form


def _page(form, **context):
    return render_template("fiches/import.html", form=form, lang=get_locale().language,
                           columns=csvio.columns(form), **context)


@bp.get("/fiches/<form_id>/import")
def start(form_id):
    form = _form_or_404(form_id)
    check_new_fiche(form.id)        # a reserved form: a 403 with the reason, before choosing a file
    return _page(form)


def _text_from_request():
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")   # spreadsheets on Windows save this
    return request.form.get("csv_text", "")


@bp.post("/fiches/<form_id>/import")
def run(form_id):
    form = _form_or_404(form_id)
    text = _text_from_request()
    if not text.strip():
        return _page(form, error=_("Choose a CSV file first.")), 400
    keep_going = request.form.get("keep_going") == "1"
    apply = request.form.get("action") == "import"
    lang = get_locale().language
    try:
        check_new_fiche(form.id)    # else every line would come back refused, as if it were wrong
        report = csvio.import_csv(form, text, apply=apply, keep_going=keep_going, lang=lang,
                                  author=request.form.get("author", "") or _("CSV import"))
    except ContentError as exc:       # not allowed (wiki/rights.py): say so, the file's text kept
        return _page(form, error=exc.message, csv_text=text, keep_going=keep_going), exc.status
    if apply and (not report.errors or keep_going):
        flash(_("%(created)s fiches created, %(updated)s updated, %(unchanged)s unchanged.",
                created=len(report.created), updated=len(report.updated),
                unchanged=len(report.unchanged)), "notice")
        return redirect(url_for("fiches.listing", form_id=form.id, sort="updated"))
    preview = []
    for line in list(csvio.read_lines(text))[:PREVIEW_LINES]:
        values, _errors = clean_entry(form, csvio.raw_from_line(form, line), entries.catalogue())
        preview.append(values)
    return _page(form, report=report, preview=preview, csv_text=text, keep_going=keep_going,
                 checked=True), 200 if not report.errors else 422

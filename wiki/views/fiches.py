"""The forms and their lists of fiches in the browser (server-rendered: no JavaScript needed)."""
from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale
from peewee import fn

from ..fiches import display, entries, queries
from ..models import Entry, Page
from ..rights import check_new_fiche, readable_forms
from . import entry as entry_views
from .cache import cached_view
from .paging import page_number

bp = Blueprint("fiches", __name__)
LAYOUTS = ("cards", "table")


def _form_or_404(form_id):
    form = entries.catalogue().form(form_id)
    if form is None:
        abort(404)
    return form


@bp.get("/fiches")
def index():
    counts = dict(Entry.select(Entry.form, fn.COUNT(Entry.page)).join(Page, on=(Page.id == Entry.page))
                  .where((Entry.status == "published") & Page.deleted.is_null())
                  .group_by(Entry.form).tuples())
    forms = readable_forms(entries.catalogue().forms.values())
    return render_template("fiches/index.html", forms=forms, counts=counts, lang=get_locale().language)


@bp.get("/fiches/<form_id>")
def listing(form_id):
    form = _form_or_404(form_id)
    return cached_view(("list", form.id, get_locale().language), lambda: _listing(form), with_args=True)


def _listing(form):
    filters = queries.Filters.from_args(form, request.args)
    sort = request.args.get("sort", "date" if form.dates_field else "title")
    layout = request.args.get("layout", "cards")
    result = queries.listing(form, filters, sort=sort, page=page_number())
    # the query string again, for the page links: url_for must not take "form_id", "_external"... from it
    args = {k: v for k, v in request.args.lists() if k not in ("form_id", "page") and not k.startswith("_")}
    return render_template("fiches/list.html", form=form, filters=filters, result=result, args=args,
                           facets=queries.facet_counts(form, filters), sort=sort,
                           layout=layout if layout in LAYOUTS else "cards", lang=get_locale().language,
                           catalogue=entries.catalogue(), display=display)


@bp.get("/fiches/<form_id>/new")
def new(form_id):
    form = _form_or_404(form_id)
    check_new_fiche(form.id)           # a reserved form: say so now, not after typing
    return entry_views.new_form(form)


@bp.post("/fiches/<form_id>/new")
def create(form_id):
    return entry_views.save(_form_or_404(form_id))

"""`{{agenda}}` and `{{liste}}` in pages: a form's next events, a compact list of its fiches.

Their parameters are the list page's filters, so that a page can show "the next 5 events about
mobility" and link to the full agenda or list with the same filters:

    {{agenda nb="5" theme="Mobilité" commune="Redon"}}      (alias {{events}})
    {{liste form="initiatives" themes="Mobilité, Énergie" layout="table"}}   (alias {{list}})

Any choice, multiple-choice or tags field of the form filters (values separated by commas are
alternatives); `theme` is accepted for `themes`, `limit` for `nb`. A page showing upcoming
events changes with the day: the page-view cache keys on the day for that (views/cache.py).
"""
from datetime import timedelta

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..rights import readable_forms
from ..render.actions import ActionContext, ActionError, action, int_param
from . import agenda, agenda_labels, agenda_rows, display, entries, queries
from .entries import FACET_TYPES

RESERVED = ("form", "formulaire", "nb", "limit", "layout", "q", "sort")
ALIASES = {"theme": "themes", "thème": "themes", "thèmes": "themes"}
HORIZON = timedelta(days=366)          # {{agenda}} looks this far ahead for its next events
LAYOUTS = ("cards", "table")


def _form(params: dict, default: str | None, dated: bool = False):
    catalogue = entries.catalogue()
    form_id = params.get("form") or params.get("formulaire") or default
    candidates = readable_forms(f for f in catalogue.forms.values() if f.dates_field or not dated)
    names = ", ".join(f.id for f in candidates)
    if not form_id:
        raise ActionError(_("say which form, e.g. form=\"%(form)s\" (forms: %(names)s).",
                            form=candidates[0].id if candidates else "agenda", names=names))
    form = catalogue.form(form_id)
    if form is None or form not in readable_forms([form]):
        raise ActionError(_("there is no form “%(form)s” (forms: %(names)s).", form=form_id[:40], names=names))
    if dated and form.dates_field is None:
        raise ActionError(_("the form “%(form)s” has no dates (forms with dates: %(names)s).",
                            form=form_id[:40], names=names))
    return form


def _filters(form, params: dict) -> queries.Filters:
    """The action's parameters as the list page's query string, read by the same Filters."""
    facets = {f.id: f for f in form.fields_of(*FACET_TYPES)}
    args = MultiDict()
    for key, value in params.items():
        key = ALIASES.get(key, key)
        if key in RESERVED:
            continue
        field = facets.get(key)
        if field is None:
            raise ActionError(_("“%(key)s” cannot filter this form; its filters are: %(names)s.",
                                key=key[:40], names=", ".join(facets) or "—"))
        allowed = {v.casefold(): v for v in entries.catalogue().values(field.list)} if field.list else {}
        for part in value.split(","):
            part = part.strip()
            if part:
                args.add(key, allowed.get(part.casefold(), part))
    if params.get("q"):
        args["q"] = params["q"]
    return queries.Filters.from_args(form, args)


def _link_args(filters: queries.Filters) -> dict:
    args = {k: list(v) for k, v in filters.facets.items()}
    if filters.text.strip():
        args["q"] = filters.text
    return args


@action("agenda", "events", "evenements")
def agenda_action(params: dict, ctx: ActionContext) -> str:
    form = _form(params, "agenda", dated=True)
    number = int_param(params, "nb", int_param(params, "limit", 5, hi=50), hi=50)
    filters = _filters(form, params)
    first = agenda.today()
    last = first + HORIZON
    shown, _more = agenda.occurrences(agenda_rows.between(form, filters, first, last), first, last, number)
    return render_template("actions/agenda.html", form=form, occurrences=shown, today=first,
                           labels=agenda_labels, display=display, lang=get_locale().language,
                           more=url_for("agenda.agenda", form_id=form.id, **_link_args(filters)))


@action("liste", "list")
def list_action(params: dict, ctx: ActionContext) -> str:
    form = _form(params, None)
    number = int_param(params, "nb", int_param(params, "limit", 10, hi=100), hi=100)
    layout = params.get("layout", "cards")
    if layout not in LAYOUTS:
        raise ActionError(_("layout is “cards” or “table”."))
    sort = params.get("sort", "date" if form.dates_field else "title")     # as the list page
    if sort not in queries.SORTS:
        raise ActionError(_("sort is “title”, “updated” or “date”."))
    filters = _filters(form, params)
    result = queries.listing(form, filters, sort=sort, per_page=number)
    return render_template("actions/liste.html", form=form, result=result, layout=layout,
                           lang=get_locale().language, display=display,
                           more=url_for("fiches.listing", form_id=form.id, **_link_args(filters),
                                        **({"layout": layout} if layout != "cards" else {})))

"""`{{carte}}` (alias `{{map}}`): a map of fiches inside a page, the same block as the map pages.

    {{carte form="lieux"}}                         a form's fiches (form="lieux,agenda": several)
    {{carte form="lieux" categorie="Tiers-lieu"}}  filters: any choice, multiple or tags field of
    {{carte theme="Mobilité" commune="Redon"}}     the forms (theme= for themes=, values separated by
                                                   commas), q="words"; limit="20": the list's length
Without form=, every form whose fiches have a place (those that cannot take the filters are left
out). The parameters are those of {{liste}} and {{agenda}} (fiches/page_actions.py: formulaire=,
nb=, thème= work too). Mistakes — an unknown form, field or list value — are said in place of the
map, so that the person writing the page sees them in the preview. Imported in wiki/app.py.
"""
from flask import render_template
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..render.actions import ActionContext, ActionError, action, int_param
from . import maps
from .entries import FACET_TYPES, catalogue

OWN_PARAMS = ("form", "formulaire", "q", "limit", "nb")
ALIASES = {"theme": "themes", "thème": "themes", "thèmes": "themes"}


def _forms(text: str):
    if not text.strip():
        return maps.mappable_forms()
    forms = []
    for form_id in (part.strip() for part in text.split(",") if part.strip()):
        form = catalogue().form(form_id)
        if form not in maps.mappable_forms():
            raise ActionError(_("there is no form “%(form)s” with places for a map (forms: %(forms)s).",
                                form=form_id[:40], forms=", ".join(f.id for f in maps.mappable_forms())))
        if form not in forms:
            forms.append(form)
    return forms


def _field_id(name: str, fields: dict) -> str:
    if ALIASES.get(name, name) in fields:
        return ALIASES.get(name, name)
    raise ActionError(_("unknown parameter “%(name)s” (possible: %(names)s).", name=name[:40],
                        names=", ".join(["form", "q", "limit", *sorted(fields)])))


def _values(field, text: str) -> list[str]:
    allowed = catalogue().values(field.list) if field.list else ()
    if text.strip() in allowed:      # a value that itself contains a comma
        return [text.strip()]
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if allowed:
            found = next((v for v in allowed if v.casefold() == part.casefold()), None)
            if found is None:
                raise ActionError(_("“%(value)s” is not one of the choices of “%(field)s”.",
                                    value=part[:80], field=field.id))
            part = found
        out.append(part)
    return out


def filter_args(forms, params: dict, *, strict: bool) -> MultiDict:
    """The action's filters as query-string arguments; `strict`: every form must have each field."""
    fields = {f.id: f for form in forms for f in form.fields_of(*FACET_TYPES) if not f.private}
    args = MultiDict()
    for name, text in params.items():
        if name in OWN_PARAMS:
            continue
        field_id = _field_id(name, fields)
        for form in forms if strict else ():
            if form.field(field_id) is None:
                raise ActionError(_("the form “%(form)s” has no field “%(field)s”.", form=form.id,
                                    field=field_id))
        for value in _values(fields[field_id], text):
            args.add(field_id, value)
    if params.get("q", "").strip():
        args["q"] = params["q"]
    return args


@action("carte", "map")
def carte(params: dict, ctx: ActionContext) -> str:
    from ..views.maps import block_context, lists_for    # the map pages' helpers (late: views sit above)
    chosen = params.get("form") or params.get("formulaire") or ""
    forms = _forms(chosen)
    args = filter_args(forms, params, strict=bool(chosen.strip()))
    limit = int_param(params, "nb", int_param(params, "limit", 20, hi=100), hi=100)
    view = maps.map_view(forms, args)
    return render_template("fiches/map_action.html", **block_context(
        view, lists_for(view, per_page=limit), h=3, paginate=False, embedded=True))

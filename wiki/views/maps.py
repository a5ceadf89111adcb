"""Map pages: /fiches/<form>/carte for one form, /carte for every form whose fiches have a place.

Each page is complete without JavaScript: a legend and the list of the fiches (paginated on a
form's map, the beginning of each form's list on /carte), with the list page's filters
(?commune=Redon&q=vélo). map.js then draws the map above them, loading the same filters as GeoJSON.
"""
from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from ..fiches import display, entries, maps, queries
from .cache import cached_view
from .paging import page_number
from .vendor import map_assets

bp = Blueprint("maps", __name__)
PER_PAGE = 50          # a form's map: its list, page by page
FIRST_OF_EACH = 20     # /carte: the beginning of each form's list, with a link to the rest


def sort_for(form) -> str:
    return "date" if form.dates_field else "title"


def lists_for(view: maps.MapView, *, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """Each layer's list; on a map of several forms, the forms with no fiche to show go."""
    lists = {layer.form.id: queries.listing(layer.form, layer.filters, sort=sort_for(layer.form),
                                            page=page, per_page=per_page)
             for layer in view.layers}
    if len(view.layers) > 1:
        view.layers = [layer for layer in view.layers if lists[layer.form.id].total]
    return lists


def block_context(view: maps.MapView, lists: dict, **extra) -> dict:
    """What templates/fiches/map_block.html needs (the pages and the {{carte}} action)."""
    return dict(view=view, lists=lists, assets=map_assets(), display=display,
                lang=get_locale().language, **extra)


@bp.get("/fiches/<form_id>/carte")
def form_map(form_id):
    form = entries.catalogue().form(form_id)
    if form not in maps.mappable_forms():
        abort(404)

    def render():
        view = maps.map_view([form], request.args)
        return render_template("fiches/map.html", form=form, **block_context(
            view, lists_for(view, page=page_number(), per_page=PER_PAGE), h=2, paginate=True))
    return cached_view(("map", form.id, get_locale().language), render)


@bp.get("/carte")
def all_forms():
    def render():
        view = maps.map_view(maps.mappable_forms(), request.args)
        return render_template("fiches/map.html", form=None, **block_context(
            view, lists_for(view, per_page=FIRST_OF_EACH), h=2, paginate=False))
    return cached_view(("map", "*", get_locale().language), render)

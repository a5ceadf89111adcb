"""What a map of fiches shows, decided on the server: its layers (one per form), their legend and
colours, the fiches' bounding box, and the GeoJSON addresses that themes/default/static/map.js loads.

The legend and the list that people without JavaScript read come from the same data, so the map
never says more than the page. Colours are stable: a value of the form's `map_colour` field gets
the colour of its position in its list (modulo the palette of map.css), so "Santé" has the same
colour on every map and in every legend; a form without such a field has one colour of its own.
On a map of several forms each form has its own marker shape, and a filter on a field that a
form does not have (themes= for places) leaves that form out instead of showing all its fiches.
"""
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from peewee import fn

from ..models import Entry, EntryValue
from ..rights import readable_forms
from . import queries
from .entries import FACET_TYPES, catalogue
from .forms import Field, Form

PALETTE = 12          # .map-colour-0 … .map-colour-11 in map.css
SHAPES = 4            # .map-shape-0 … .map-shape-3


def mappable_forms() -> list[Form]:
    """The forms whose fiches can have a public position, in the catalogue's order."""
    return readable_forms(f for f in catalogue().forms.values() if f.geo_field and not f.geo_field.private)


def _position(form: Form) -> int:
    ids = [f.id for f in mappable_forms()]
    return ids.index(form.id) if form.id in ids else 0


@dataclass
class LegendItem:
    label: str
    colour: int | None        # None: a value that is not (or no longer) in the list
    count: int                # fiches on the map with this value
    value: str = ""           # the colour field's value; "" for a form's single colour or "other"
    url: str = ""             # the form's map filtered on this value


@dataclass
class Layer:
    form: Form
    filters: queries.Filters
    args: dict                # the filters as query-string arguments, for the URLs
    shape: int
    colour: int               # the form's own colour, when it has no colour field
    colour_field: Field | None
    legend: list[LegendItem] = field(default_factory=list)
    mapped: int = 0           # fiches with a position
    bounds: tuple[float, float, float, float] | None = None    # south, west, north, east

    def colour_of(self, value: str) -> str:
        """The palette index of a value of the colour field, as map.css names it ("none" if unknown)."""
        values = catalogue().values(self.colour_field.list) if self.colour_field else ()
        return str(values.index(value) % PALETTE) if value in values else "none"

    @property
    def geojson_url(self) -> str:
        return url_for("api.form_geojson", form_id=self.form.id, **self.args)

    @property
    def map_url(self) -> str:
        return url_for("maps.form_map", form_id=self.form.id, **self.args)


@dataclass
class MapView:
    layers: list[Layer]
    skipped: list[Form]                                      # left out by a filter they cannot take
    active: list[tuple[str, list[str]]]                      # (field label, values) of the filters

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        boxes = [layer.bounds for layer in self.layers if layer.bounds]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))

    @property
    def bounds_text(self) -> str:
        return ",".join(f"{x:.6f}" for x in self.bounds) if self.bounds else ""


def layer(form: Form, args) -> Layer:
    """One form's layer for the query-string-like `args` (a MultiDict: getlist must work)."""
    filters = queries.Filters.from_args(form, args)
    position = _position(form)
    colour_field = form.field(form.map_colour) if form.map_colour else None
    found = Layer(form=form, filters=filters, args=filters.args(), shape=position % SHAPES,
                  colour=position % PALETTE, colour_field=colour_field)
    located = queries.matching(form, filters).where(Entry.lat.is_null(False))
    south, west, north, east, found.mapped = located.select(
        fn.MIN(Entry.lat), fn.MIN(Entry.lon), fn.MAX(Entry.lat), fn.MAX(Entry.lon),
        fn.COUNT(Entry.page)).tuples().get()
    if found.mapped:
        found.bounds = (south, west, north, east)
    if colour_field is None:
        found.legend = [LegendItem(label=form.name_in(get_locale().language), colour=found.colour,
                                   count=found.mapped, url=found.map_url)]
        return found
    counts = dict(EntryValue.select(EntryValue.value, fn.COUNT(EntryValue.entry))
                  .where((EntryValue.field == colour_field.id)
                         & EntryValue.entry.in_(located.select(Entry.page)))
                  .group_by(EntryValue.value).tuples())
    for index, value in enumerate(catalogue().values(colour_field.list)):
        if counts.get(value):
            url = url_for("maps.form_map", form_id=form.id, **{**found.args, colour_field.id: value})
            found.legend.append(LegendItem(label=value, colour=index % PALETTE, count=counts[value],
                                           value=value, url=url))
    other = found.mapped - sum(item.count for item in found.legend)
    if other > 0:
        found.legend.append(LegendItem(label=_("Other"), colour=None, count=other))
    return found


def requested_facets(forms: list[Form], args) -> set[str]:
    """The facet fields (of any of `forms`) that `args` filters on."""
    known = {f.id for form in forms for f in form.fields_of(*FACET_TYPES)}
    return {key for key in args if key in known and any(v.strip() for v in args.getlist(key))}


def map_view(forms: list[Form], args) -> MapView:
    wanted = requested_facets(forms, args)
    layers, skipped = [], []
    for form in forms:
        if wanted - {f.id for f in form.fields_of(*FACET_TYPES)}:
            skipped.append(form)
        else:
            layers.append(layer(form, args))
    return MapView(layers=layers, skipped=skipped, active=_describe(layers, wanted, args))


def _describe(layers: list[Layer], wanted: set[str], args) -> list[tuple[str, list[str]]]:
    lang = get_locale().language
    out = []
    for key in sorted(wanted):
        f = next((layer.form.field(key) for layer in layers if layer.form.field(key)), None)
        values = next((layer.filters.facets.get(key) for layer in layers if key in layer.filters.facets), [])
        if f and values:
            out.append((f.label_in(lang), values))
    text = next((layer.filters.text.strip() for layer in layers if layer.filters.text.strip()), "")
    if text:
        out.append((_("Words"), [text]))
    return out

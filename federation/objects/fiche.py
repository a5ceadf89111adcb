"""What fiches of any form share: their public values as HTML, as text, as a Place."""
from markupsafe import escape

from wiki.fiches import entries, plain
from wiki.render.page import render_preview
from wiki.render.sanitize import sanitize

from ..config import instance
from . import absolute, base_fields, plain_text


def public(page, form) -> dict:
    """The fiche's values without its private fields."""
    _page, _form, values, _entry = entries.load(page.name)
    return {k: v for k, v in values.items() if form.field(k) and not form.field(k).private}


def content_html(page, form, values: dict) -> str:
    """The public fields, Markdown ones rendered, the others as a definition list."""
    parts, rows = [], []
    start = plain.start_of(form, values)
    for field, value in plain.public_values(form, values, skip_types=("image", "file")):
        if field.type == "markdown":
            parts.append(str(render_preview(value, page.name)))
        else:
            rows.append(f"<dt>{escape(field.label_in(instance().language))}</dt>"
                        f"<dd>{escape(plain.text_of(field, value, start))}</dd>")
    if rows:
        parts.append("<dl>" + "".join(rows) + "</dl>")
    return absolute(sanitize("".join(parts)))


def summary_text(form, values: dict, first: list[str]) -> str:
    """`first` (when, where), then the public values as words, without labels."""
    start = plain.start_of(form, values)
    said = [s for s in first if s]
    for field, value in plain.public_values(form, values, skip_types=("image", "file", "geo", "dates")):
        said.append(plain_text(str(render_preview(value, None))) if field.type == "markdown"
                    else plain.text_of(field, value, start))
    return " · ".join(said)


def place(form, values: dict) -> dict | None:
    """A `Place` for the form's geo field (with latitude and longitude when known)."""
    geo_field = form.geo_field
    value = values.get(geo_field.id) if geo_field else None
    if not isinstance(value, dict) or not value:
        return None
    address = str(value.get("adresse", ""))
    found = {"type": "Place", "name": address or None, "address": address or None}
    if isinstance(value.get("lat"), (int, float)) and isinstance(value.get("lon"), (int, float)):
        found.update(latitude=value["lat"], longitude=value["lon"])
    found = {k: v for k, v in found.items() if v is not None}
    return found if len(found) > 1 else None


def base(page, form, type_: str, values: dict | None = None) -> dict:
    """The fields every fiche has, and for Bocage peers its form and public values (files and
    links to other fiches stay here)."""
    doc = base_fields(page, type_, followers_of=[instance().slug, form.id])
    if values is not None:
        doc["bocage:form"] = form.id
        doc["bocage:values"] = {k: v for k, v in values.items()
                                if form.field(k) and form.field(k).type not in ("image", "file", "entry")}
    return doc


def tags(form, values: dict) -> list[dict]:
    found = []
    for field in form.fields_of("multiple", "tags", "choice"):
        if field.private:
            continue
        value = values.get(field.id)
        for item in value if isinstance(value, list) else [value] if value else []:
            found.append({"type": "Hashtag", "name": "#" + "".join(str(item).title().split())})
    return found


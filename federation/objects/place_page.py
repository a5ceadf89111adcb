"""A fiche without dates (an initiative, a place) as a `Page`, its place as `location`: Mastodon
shows no top-level `Place`, and Page keeps name, summary and link readable."""
from . import plain_text
from .fiche import base, content_html, place, public, summary_text, tags


def build(page, form) -> dict:
    values = public(page, form)
    doc = base(page, form, "Page", values)
    html = content_html(page, form, values)
    where = place(form, values)
    summary = plain_text(summary_text(form, values, [where.get("name", "") if where else ""]))
    doc.update({"summary": summary, "content": html, "mediaType": "text/html",
                "tag": tags(form, values)})
    if where:
        doc["location"] = where
    return doc

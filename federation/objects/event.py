"""A fiche with dates as an `Event` (FEP-8a8e): startTime, endTime with their offset, timezone,
location; the summary says when and where (Mastodon shows name, summary and link only)."""
from datetime import datetime
from zoneinfo import ZoneInfo

from wiki.fiches import display

from . import plain_text
from .fiche import base, content_html, place, public, summary_text, tags


def _aware(text: str, zone: str, end: bool) -> str:
    if "T" not in text:
        text += "T23:59" if end else "T00:00"
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).isoformat()


def build(page, form) -> dict:
    values = public(page, form)
    doc = base(page, form, "Event", values)
    dates = values.get(form.dates_field.id) or {}
    html = content_html(page, form, values)
    where = place(form, values)
    said = [display.when(dates) if dates.get("debut") else "", where.get("name", "") if where else ""]
    doc.update({"summary": plain_text(summary_text(form, values, said)), "content": html,
                "mediaType": "text/html", "tag": tags(form, values)})
    if dates.get("debut"):
        zone = dates.get("fuseau") or "Europe/Paris"
        doc.update(startTime=_aware(dates["debut"], zone, False),
                   endTime=_aware(dates.get("fin") or dates["debut"], zone, True), timezone=zone)
    if where:
        doc["location"] = where
    return doc

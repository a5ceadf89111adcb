"""Objects received from followed actors become the wiki's commons: pages and fiches saved
through `wiki.content.provenance` (revisions, search, lists, map, agenda, recent changes), marked
with their territory, read-only here until adopted.

- Article, Note (Mastodon-compatible servers, Ibis, Bocage) → a page: its Markdown `source` when
  the object has one (Bocage peers send it), else its HTML, which the Markdown renderer passes
  through the one sanitizer;
- Event (FEP-8a8e, Mobilizon, Gancio) → a fiche of the first form with dates (`agenda`);
- Page, Place → a fiche of `lieux` (the first form with a place), or of the form a Bocage peer
  names in `bocage:form`, with the public values it sends in `bocage:values`.

The local name is chosen once (`lormes-fete-du-pain`) and kept in `remote_object.page`.
"""
import logging
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from wiki.content import pages as content
from wiki.content import provenance
from wiki.render.sanitize import sanitize, sanitize_text_line

from .models import RemoteObject

log = logging.getLogger("federation.received")
FORM_KEY, VALUES_KEY = "bocage:form", "bocage:values"
DEFAULT_ZONE = "Europe/Paris"
SKIPPED_TYPES = ("image", "file", "entry")      # attachments and links to fiches stay at their origin


def _catalogue():
    return current_app.extensions["bocage.catalogue"]


def territory_of(sender) -> str:
    return sender.name or sender.handle or urlsplit(sender.url).netloc


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _form_for(obj: dict):
    """The local form a fiche is kept in (None: the object is a page)."""
    forms = list(_catalogue().forms.values())
    named = obj.get(FORM_KEY)
    if isinstance(named, str) and _catalogue().form(named) is not None:
        return _catalogue().form(named)
    if obj["type"] == "Event":
        return _catalogue().form("agenda") or next((f for f in forms if f.dates_field), None)
    if obj["type"] in ("Page", "Place"):
        return _catalogue().form("lieux") or next((f for f in forms if f.geo_field and not f.dates_field), None)
    return None


def _local_moment(value, zone: str) -> str:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(zone))
    return moment.strftime("%Y-%m-%dT%H:%M")


def _zone(obj: dict) -> str:
    zone = str(obj.get("timezone") or "")
    try:
        ZoneInfo(zone)
        return zone
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return DEFAULT_ZONE


def _place(row, obj: dict) -> dict:
    location = obj.get("location")
    location = next((p for p in location if isinstance(p, dict)), {}) if isinstance(location, list) else location
    location = location if isinstance(location, dict) else {}
    address = location.get("address")
    if isinstance(address, dict):      # a schema.org PostalAddress (Mobilizon)
        address = " ".join(str(address.get(k) or "") for k in ("streetAddress", "postalCode", "addressLocality"))
    parts = [str(location.get("name") or ""), str(address or "")]
    text = ", ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    place = {"adresse": sanitize_text_line(text)[:300]} if text else {}
    if row.lat is not None and row.lon is not None:
        place.update(lat=row.lat, lon=row.lon)
    return place


def fiche_values(form, row, obj: dict) -> dict:
    """The values of the fiche: what a Bocage peer sends, else the object's own fields."""
    sent = obj.get(VALUES_KEY) if obj.get(FORM_KEY) == form.id else None
    if isinstance(sent, dict):
        return {k: v for k, v in sent.items() if form.field(k) and form.field(k).type not in SKIPPED_TYPES
                and not form.field(k).private}
    values = {form.title_field: row.name or sanitize_text_line(row.summary)[:120]}
    text = next((f for f in form.fields_of("markdown") if not f.private), None)
    if text is not None and (row.content or row.summary):
        values[text.id] = row.content or row.summary
    if form.dates_field and obj.get("startTime"):
        zone = _zone(obj)
        values[form.dates_field.id] = {"debut": _local_moment(obj["startTime"], zone),
                                       "fin": _local_moment(obj.get("endTime") or obj["startTime"], zone),
                                       "fuseau": zone}
    if form.geo_field:
        place = _place(row, obj)
        if place:
            values[form.geo_field.id] = place
    return values


def page_source(row, obj: dict) -> str:
    source = obj.get("source")
    if isinstance(source, dict) and source.get("mediaType") == "text/markdown" and isinstance(source.get("content"), str):
        text = source["content"]
    else:
        text = sanitize(row.content or row.summary)      # sanitized again: the renderer will too
    title = row.name or sanitize_text_line(row.summary)[:80] or "Note"
    return text if text.startswith("# ") else f"# {title}\n\n{text}"


def keep(row: RemoteObject, obj: dict, sender) -> None:
    """Save the received object as the page or fiche `row.page` (chosen the first time). A
    refusal (a name taken by a local page, a fiche missing a required field) is logged: the
    remote object stays in `remote_object`, shown on /communs."""
    territory = territory_of(sender)
    form = _form_for(obj)
    try:
        if form is not None:
            source, kind = fiche_values(form, row, obj), form.id
            title = str(source.get(form.title_field) or row.name)
        else:
            source, kind, title = page_source(row, obj), "page", row.name
        name = row.page or provenance.free_name(title or "commun", territory)
        origin = provenance.Origin(url=row.url or row.object_id, name=territory, site=_site(sender.url),
                                   licence=row.licence, attribution=territory)
        provenance.save_received(name, source, kind=kind, title=title, origin=origin)
    except content.ContentError as exc:
        log.warning("federation: %s not kept as a page: %s", row.object_id, exc.message)
        return
    except Exception:      # the object is stored all the same; the sender must not retry for ever
        log.exception("federation: %s not kept as a page", row.object_id)
        return
    if row.page != name:
        RemoteObject.update(page=name).where(RemoteObject.id == row.id).execute()


def withdraw(row: RemoteObject) -> None:
    if not row.page:
        return
    try:
        provenance.trash_received(row.page)
    except content.ContentError as exc:
        log.warning("federation: %s not withdrawn: %s", row.object_id, exc.message)

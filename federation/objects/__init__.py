"""Pages and fiches as ActivityStreams objects (what /wiki/<name> answers to a federating
client and what Create/Update carry).

- a page is an `Article` (article.py); a fiche with dates an `Event` (FEP-8a8e, event.py); any
  other fiche a `Page` with a `location` Place when it has a place (place_page.py);
- every object has name, a plain-text summary (Mastodon shows only name, summary and link),
  url, published, updated, license (the instance's licence), attributedTo the territory actor;
- a fiche's private fields never appear: builders read `public_values` only;
- a trashed page is a `Tombstone` (served with 410); a fiche waiting for moderation is not public.
"""
import re

from flask import current_app
from flask_babel import force_locale

from wiki import rights
from wiki.content import provenance
from wiki.models import Entry, Page, Revision

from .. import urls
from ..config import instance

CONTEXT = ["https://www.w3.org/ns/activitystreams",
           {"schema": "http://schema.org#", "license": "schema:license",
            "PostalAddress": "schema:PostalAddress", "timezone": "schema:timezone",
            # Bocage's own terms (an identifier, never fetched): the form of a fiche and its
            # public values, so that Bocage wikis exchange fiches whole; where an adopted page
            # comes from
            "bocage": "urn:bocage:", "bocage:values": {"@id": "bocage:values", "@type": "@json"}}]
SUMMARY_LENGTH = 480        # FEP-b2b8: a summary of at most ~500 characters
_BLOCKS = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|dt|dd|dl|blockquote|pre|table)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_RELATIVE = re.compile(r'(href|src)="/(?!/)')


def iso(moment) -> str | None:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def plain_text(html: str, limit: int = SUMMARY_LENGTH) -> str:
    from markupsafe import Markup
    text = _SPACES.sub(" ", Markup(_TAGS.sub("", _BLOCKS.sub(" ", html))).unescape()).strip()
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def absolute(html: str) -> str:
    """Links and images of our HTML made absolute: it is read on other servers."""
    return _RELATIVE.sub(lambda m: f'{m.group(1)}="{urls.base()}/', html)


def base_fields(page: Page, type_: str, *, followers_of: list[str]) -> dict:
    territory = urls.actor(instance().slug)
    doc = {
        "@context": CONTEXT, "id": urls.page(page.name), "type": type_, "name": page.title,
        "url": urls.page(page.name), "attributedTo": territory,
        "published": iso(page.created), "updated": iso(page.updated),
        "license": instance().licence,
        "to": [urls.PUBLIC], "cc": [f"{urls.actor(n)}/followers" for n in followers_of],
    }
    origin = origin_of(page)
    if origin is not None and origin.adopted and origin.source_url:      # adopted: ours, credited
        doc["bocage:adoptedFrom"] = {"type": "Link", "href": origin.source_url, "name": origin.source_name}
    return doc


def origin_of(page: Page):
    """The page's provenance (None: written here), read once per page object."""
    if "_origin" not in page.__dict__:
        page.__dict__["_origin"] = provenance.of(page)
    return page.__dict__["_origin"]


def is_public(page: Page) -> bool:
    """Trashed pages are public as tombstones; a fiche waiting for moderation is not public, nor
    a neighbour's common not adopted (its territory publishes it: never sent on from here), nor
    a page or fiche visitors may not read (wiki/rights.py: its rule, its form's, the instance's)."""
    if not rights.public(page.name, page.kind):
        return False
    origin = origin_of(page)
    if origin is not None and not origin.adopted:
        return False
    if page.kind == "page":
        return True
    entry = Entry.get_or_none(Entry.page == page.id)
    return entry is not None and entry.status == "published"


def document(page: Page) -> dict | None:
    """The object for a live page or fiche; None when it is not public."""
    from . import article, event, place_page
    if not is_public(page):
        return None
    if page.kind == "page":
        return article.build(page, Revision.get_by_id(page.revision))
    form = current_app.extensions["bocage.catalogue"].form(page.kind)
    if form is None:
        return None
    builder = event if form.dates_field is not None else place_page
    with force_locale(instance().language):      # the same words whoever asks
        return builder.build(page, form)


def tombstone(page: Page) -> dict:
    former = "Article" if page.kind == "page" else ("Event" if _has_dates(page.kind) else "Page")
    return {"@context": CONTEXT[0], "id": urls.page(page.name), "type": "Tombstone",
            "formerType": former, "deleted": iso(page.deleted or page.updated)}


def _has_dates(kind: str) -> bool:
    form = current_app.extensions["bocage.catalogue"].form(kind)
    return form is not None and form.dates_field is not None

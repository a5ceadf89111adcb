"""A wiki page as an `Article`: content as sanitized HTML, source in Markdown (as Ibis does)."""
import re

from wiki.render.actions import ActionContext
from wiki.render.page import render_page
from wiki.render.sanitize import sanitize

from . import absolute, base_fields, plain_text

_MISSING = re.compile(r'href="([^"]*/wiki/[a-z0-9-]+)/edit\?[^"]*"')


def build(page, revision) -> dict:
    source = revision.source
    without_title = source.startswith("# ")      # the title is the object's name: not twice
    html = str(render_page(revision, ActionContext(page_name=page.name), without_title=without_title))
    # a link to a page not written yet leads to its editor here; elsewhere, to the page
    body = absolute(sanitize(_MISSING.sub(r'href="\1"', html)))
    doc = base_fields(page, "Article", followers_of=[_territory()])
    doc.update({"summary": plain_text(body), "content": body, "mediaType": "text/html",
                "source": {"content": source, "mediaType": "text/markdown"}})
    return doc


def _territory() -> str:
    from ..config import instance
    return instance().slug

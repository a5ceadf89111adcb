"""What federation may show of our own objects: what a visitor may read (wiki/rights.py).

The outbox, the activities fetched by id and the backfill of a new follower leave out the
activities about pages and fiches that became private since they were published; with no access
rule set (the usual wiki) none of this makes a query.
"""
from wiki import rights
from wiki.models import Page

from . import urls


def private_object_ids() -> list[str]:
    """Ids of our pages and fiches a visitor may not read (empty when no rule is set)."""
    names, forms = rights.hidden(rights.VISITOR)
    names = set(names)
    if forms:
        names |= {n for (n,) in Page.select(Page.name).where(Page.kind.in_(sorted(forms))).tuples()}
    return sorted(urls.page(name) for name in names)


def without_private(query, model):
    """`query` on OutboxActivity (`model`) without the activities about private objects."""
    hidden = private_object_ids()
    return query.where(model.object_id.not_in(hidden)) if hidden else query


def actor_public(name: str) -> bool:
    """A form's actor is gone while its form is private; the territory's while the wiki is."""
    return rights.form_readable(name, rights.VISITOR)


def object_public(object_id: str) -> bool:
    prefix = urls.page("")
    if not rights.any_rule():
        return True
    if not rights.instance_readable(rights.VISITOR):
        return False
    if not object_id.startswith(prefix):
        return True
    name = object_id[len(prefix):]
    page = Page.select(Page.kind).where(Page.name == name).first()
    return rights.public(name, page.kind if page else "page")

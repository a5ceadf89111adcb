"""Read-side queries shared by the special pages, the actions and the API (one way to list things)."""
from peewee import JOIN, fn

from ..models import Entry, Link, Page, Provenance, Revision


def readable(query, model=Page):
    """`query` without the pages the person of this request may not read (wiki/rights.py); the
    query itself when no access rule is set (the usual case: nothing added, no query made)."""
    from ..rights import hidden
    names, forms = hidden()
    if names:
        query = query.where(model.name.not_in(sorted(names)))
    if forms:
        query = query.where(model.kind.not_in(sorted(forms)))
    return query


def live_pages():
    return readable(Page.select().where(Page.deleted.is_null()))


def existing_names(names) -> set[str]:
    """Which of `names` are live pages this person may read (the others are shown as missing)."""
    names = list(names)
    if not names:
        return set()
    return {p.name for p in readable(Page.select(Page.name).where(Page.name.in_(names) & Page.deleted.is_null()))}


def recent_changes(limit: int = 50, offset: int = 0, territory: str = "", local: str = ""):
    """Latest revisions of all pages and fiches, newest first, with their page (trashed ones
    included, fiches waiting for moderation left out). `territory`: only the commons of that
    neighbour, or this wiki's own pages when it is `local` (this wiki's name)."""
    pending = Entry.select(Entry.page).where(Entry.status == "pending")
    query = readable(Revision.select(Revision, Page).join(Page).where(Page.id.not_in(pending)))
    commons = Provenance.select(Provenance.page).where(~Provenance.adopted)
    if territory and territory == local:
        query = query.where(Page.id.not_in(commons))
    elif territory:
        query = query.where(Page.id.in_(commons.where(Provenance.source_name == territory)))
    return query.order_by(Revision.created.desc(), Revision.id.desc()).limit(limit).offset(offset)


def page_index(limit: int | None = None, offset: int = 0):
    """Live pages, not fiches (those have their own lists, filters and API)."""
    query = live_pages().where(Page.kind == "page").order_by(fn.LOWER(Page.title), Page.name)
    return query.limit(limit).offset(offset) if limit else query


def backlinks(name: str):
    return (live_pages().join(Link, on=(Link.source == Page.id))
            .where(Link.target == name).order_by(fn.LOWER(Page.title)))


def orphans(home: str):
    """Live pages (not fiches) no live page links to (the home page is never an orphan)."""
    linked = readable(Link.select(Link.target).join(Page, on=(Link.source == Page.id))
                      .where(Page.deleted.is_null()))
    return (live_pages().where(Page.name.not_in(linked) & (Page.name != home) & (Page.kind == "page"))
            .order_by(fn.LOWER(Page.title)))


def wanted():
    """Names linked from live pages with no live page: (name, number of pages linking)."""
    target_page = Page.alias()
    return readable(Link.select(Link.target, fn.COUNT(Link.source).alias("count"))
            .join(Page, on=(Link.source == Page.id))
            .switch(Link)
            .join(target_page, JOIN.LEFT_OUTER,
                  on=((target_page.name == Link.target) & target_page.deleted.is_null()))
            .where(Page.deleted.is_null() & target_page.id.is_null())
            .group_by(Link.target).order_by(fn.COUNT(Link.source).desc(), Link.target), Page)


def trash():
    return readable(Page.select().where(Page.deleted.is_null(False)).order_by(Page.deleted.desc()))


def page_with_revision(name: str):
    """The page and its current revision in one query (the hot path of page views)."""
    return (Page.select(Page, Revision).join(Revision, on=(Revision.id == Page.revision), attr="current")
            .where(Page.name == name).first())

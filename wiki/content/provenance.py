"""Pages and fiches another wiki sent: the commons of neighbours, kept with their origin.

A received page or fiche is a page like the others (revisions, search, lists, recent changes),
saved through `save_page` with its territory as author, plus a `provenance` row: where it comes
from, its licence. It is read-only here (pages.check_writable) until someone adopts it ("Adopt
it here"): then it is ours, and a later change of the original is kept aside (`upstream`) and
shown as a notice with the diff, never written over the local text.

This module knows nothing of how the page travelled (the federation layer calls it).
"""
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .. import events
from ..db import utcnow, write_transaction
from ..models import Page, Provenance
from ..render.sanitize import sanitize_text_line
from . import pages


@dataclass
class Origin:
    url: str                 # the original's address
    name: str                # its territory's name
    site: str = ""           # its territory's address
    licence: str = ""
    attribution: str = ""

    def cleaned(self) -> dict:
        line = lambda text, n: sanitize_text_line(" ".join(str(text or "").split()))[:n]   # noqa: E731
        web = lambda url: url[:500] if str(url).startswith(("https://", "http://")) else ""  # noqa: E731
        return dict(source_url=web(self.url), source_name=line(self.name, 300) or "?",
                    source_site=web(self.site), licence=line(self.licence, 200),
                    attribution=line(self.attribution, 500))


def of(page) -> Provenance | None:
    return Provenance.get_or_none(Provenance.page == (page.id if isinstance(page, Page) else page))


def territories_of(names) -> dict[str, str]:
    """Page name -> the neighbour it comes from, for those of `names` that are commons (search
    results, recent changes: templates call it)."""
    names = sorted({n for n in names if n})
    if not names or not has_commons():
        return {}
    return dict(Page.select(Page.name, Provenance.source_name).join(Provenance, on=(Provenance.page == Page.id))
                .where(Page.name.in_(names) & ~Provenance.adopted).tuples())


def names_from(territory: str, local: str):
    """A test of page names for search results: the commons of `territory`, or this wiki's own
    pages when it is `local` (this wiki's name); None when there is nothing to filter."""
    if not territory or not has_commons():
        return None if not territory or territory == local else (lambda _name: False)
    commons = Page.select(Page.name).join(Provenance, on=(Provenance.page == Page.id)).where(~Provenance.adopted)
    if territory == local:
        theirs = {n for (n,) in commons.tuples()}
        return lambda name: name not in theirs
    chosen = {n for (n,) in commons.where(Provenance.source_name == territory).tuples()}
    return chosen.__contains__


def has_commons() -> bool:
    return Provenance.select().where(~Provenance.adopted).exists()


def territories(kind: str | None = None) -> list[str]:
    """The territories commons not adopted come from (of one form, or pages)."""
    query = Provenance.select(Provenance.source_name).distinct().where(~Provenance.adopted)
    if kind:
        query = query.join(Page, on=(Page.id == Provenance.page)).where(
            (Page.kind == kind) & Page.deleted.is_null())
    return sorted((n for (n,) in query.tuples()), key=str.casefold)


def free_name(title: str, territory: str) -> str:
    """A free local name for a received page: "Lormes" + "Fête du pain" -> lormes-fete-du-pain."""
    from ..fiches.entries import new_name
    return new_name(f"{territory} {title}")


def _language() -> str:
    return current_app.extensions["bocage.instance"].language


def _text_of(kind: str, source) -> tuple[str, str | None, dict]:
    """(stored text, title, what save_page needs) of a page's Markdown or a fiche's values."""
    if kind == "page":
        return source, None, {}
    from ..fiches import entries
    from ..fiches.fields import clean_entry
    form = entries.catalogue().form(kind)
    if form is None:
        raise pages.ContentError(_l("There is no form “%(form)s”.", form=kind))
    values, errors = clean_entry(form, {k: v for k, v in source.items()
                                        if form.field(k) and not form.field(k).private},
                                 entries.catalogue(), received=True)
    if errors:
        raise entries.InvalidEntry(errors, source)
    return entries.to_source(form, values), entries.title_of(form, values), _fiche_checks(form)


def _fiche_checks(form) -> dict:
    """What save_page needs to merge a fiche's text (as save_entry gives it)."""
    from ..fiches import entries
    return dict(check_merged=entries.is_valid_source,
                title_from=lambda text: entries.title_of(form, entries.from_source(text)))


def save_received(name: str, source, *, kind: str = "page", title: str | None = None,
                  origin: Origin) -> pages.SaveResult | None:
    """Create or update the received page (`source`: Markdown) or fiche (`kind`: a form id,
    `source`: its values) `name`. None when it is adopted: the original's change waits in
    `upstream` for someone to look at it. A name used by a local page raises ContentError."""
    name = pages.valid_name(name)
    text, fiche_title, extra = _text_of(kind, source)
    page = Page.get_or_none(Page.name == name)
    known = of(page) if page is not None else None
    if page is not None and known is None:
        raise pages.ContentError(_l("“%(name)s” is already used by another page or fiche: choose "
                                    "another name.", name=name), status=409)
    if known is not None and known.adopted:
        Provenance.update(upstream=pages._clean_source(text), upstream_changed=utcnow(),
                          upstream_deleted=False).where(Provenance.page == page.id).execute()
        events.provenance_changed.send(current_app._get_current_object(), page=page)
        return None
    base = page.revision if page is not None else None
    values = origin.cleaned()
    with force_locale(_language()):
        comment = str(_l("Received from %(territory)s", territory=values["source_name"]))
    with pages.receiving(values):
        return pages.save_page(name, text, base_revision=base, comment=comment,
                               author=values["source_name"], kind=kind,
                               title=fiche_title or title, **extra)


@pages.on_write
def _record(pairs, created: bool) -> None:
    """In the save's transaction: a received page gets its provenance row, or it is refreshed."""
    values = pages.received()
    if not isinstance(values, dict):
        return
    for page, _revision in pairs:
        row = {**values, "received": utcnow()}
        if Provenance.update(**row).where(Provenance.page == page.id).execute() == 0:
            Provenance.insert(page=page.id, **row).execute()


def trash_received(name: str) -> None:
    """The original was withdrawn: a common goes to the trash; an adopted page stays, with a notice."""
    page = pages.get_page(name, include_deleted=True)
    known = of(page)
    if known is None:
        raise pages.ContentError(_l("“%(name)s” was not received from another wiki.", name=name), status=409)
    if known.adopted:
        Provenance.update(upstream_deleted=True, upstream_changed=utcnow()).where(
            Provenance.page == page.id).execute()
        events.provenance_changed.send(current_app._get_current_object(), page=page)
        return
    if page.deleted:
        return
    with force_locale(_language()):
        comment = str(_l("Withdrawn by %(territory)s", territory=known.source_name))
    with pages.receiving():
        pages.delete_page(name, author=known.source_name, comment=comment)


def adopt(name: str, author: str = "") -> pages.SaveResult:
    """Make a common ours: editable here, published as ours, its provenance kept. The write guard
    is asked first: the adoption is committed before its history note, which would check too late."""
    page = pages.get_page(name)
    pages.guard_write(page.name, page.kind)
    with write_transaction():
        count = Provenance.update(adopted=True).where((Provenance.page == page.id) & ~Provenance.adopted).execute()
    if count == 0:
        raise pages.ContentError(_l("This page is not a common waiting to be adopted."), status=409)
    known = of(page)
    with force_locale(_language()):
        comment = str(_l("Adopted from %(territory)s", territory=known.source_name))
    return pages.note_revision(name, comment=comment, author=author, action="adopt")


def dismiss(name: str) -> None:
    """Forget the notice of a change (or withdrawal) of the original: for those who may change the
    page (a locked page's notice is its admins')."""
    page = pages.get_page(name)
    pages.guard_write(page.name, page.kind)
    Provenance.update(upstream=None, upstream_changed=None, upstream_deleted=False).where(
        Provenance.page == page.id).execute()
    events.provenance_changed.send(current_app._get_current_object(), page=page)


def apply_upstream(name: str, author: str = "") -> pages.SaveResult:
    """Take the original's new text as a new revision (merged with local changes made since)."""
    page = pages.get_page(name)
    known = of(page)
    if known is None or not known.adopted or known.upstream is None:
        raise pages.ContentError(_l("The original has no change waiting."), status=409)
    with force_locale(_language()):
        comment = str(_l("Changes of the original (%(territory)s) applied", territory=known.source_name))
    title, extra = None, {}
    if page.kind != "page":
        from ..fiches import entries
        form = entries.catalogue().form(page.kind)
        if form is not None:
            title, extra = entries.title_of(form, entries.from_source(known.upstream)), _fiche_checks(form)
    result = pages.save_page(name, known.upstream, base_revision=page.revision, comment=comment,
                             author=author, kind=page.kind, title=title, **extra)
    dismiss(name)
    return result

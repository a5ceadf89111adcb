"""Federation moderation: what blocking a domain or an actor does to what came from it, removing
one received common, and the commons held for a moderator (`[federation] hold_commons = true`).

- A block refuses the source's activities (federation/blocklist.py, the inbox) and here: its
  follows go both ways (its Follower rows; our Following of it, with an Undo for an actor — our
  delivery sends nothing to a blocked domain), and its commons not adopted go to the trash
  (`wiki.content.pages.delete_page` on the receiving path, a comment saying why), each recorded
  in `removed_object` (kind "blocked", `cause` the block) so that the unblock brings back those,
  and only those, that no other block still covers. Adopted commons are ours: they stay.
- A removed common (kind "removed") and a held one refused (kind "rejected") are remembered by
  their object id: later Creates, Updates and Announces of it are ignored (`refusal`, asked by
  create.keep) until a moderator restores it from /admin/federation.
- A held common is stored in `remote_object` (`held`) without a page: nothing lists it (lists,
  search, map, agenda, recent changes read pages) until approved, then it is kept as usual.

Every block, unblock, removal, restoration, approval and refusal writes an audit entry.
"""
import json
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from wiki import audit
from wiki.content import pages
from wiki.models import Page, Provenance
from wiki.rights import current_person

from . import blocklist, urls
from .models import BlockedActor, BlockedDomain, Follower, Following, RemoteActor, RemoteObject, RemovedObject


def refusal(object_id: str, *addresses: str) -> str | None:
    """Why a received object must not be kept (None: it may): removed or refused by a
    moderator, or from a blocked domain or actor (its id's host, its sender, its author)."""
    if RemovedObject.select().where(RemovedObject.object_id == object_id[:500]).exists():
        return f"{object_id[:200]} was removed by a moderator"
    if blocklist.source_blocked(object_id, *addresses):
        return f"{object_id[:200]} comes from a blocked source"
    return None


def _by() -> str:
    return current_person().name or current_app.extensions["bocage.instance"].name


def _comment(message, **values) -> str:
    with force_locale(current_app.extensions["bocage.instance"].language):
        return str(_l(message, **values))[:500]


# -- what came from a source -------------------------------------------------------------------
def _domain_test(domain: str):
    return lambda url: bool(url) and blocklist.under(urls.host_of(url), domain)


def _actor_test(actor: str):
    return lambda url: bool(url) and blocklist.actor_url(url) == actor


def _addresses(obj: RemoteObject | None, origin: Provenance | None, hosts: bool = True) -> list[str]:
    """What ties a common to its sources: the object's id (its host), sender and author; the
    provenance's original and site. An actor block looks at the actors only (`hosts` False)."""
    found = [obj.origin, obj.attributed_to] if obj is not None else []
    if hosts:
        found += [obj.object_id] if obj is not None else []
        found += [origin.source_url, origin.source_site] if origin is not None else []
    return [a for a in found if a]


def _covering(obj, origin) -> str:
    """The block that still covers a common ("domain:…", "actor:…"; "" for none)."""
    for address in _addresses(obj, origin, hosts=False):
        if blocklist.actor_blocked(address):
            return f"actor:{blocklist.actor_url(address)}"
    for address in _addresses(obj, origin):
        for (domain,) in BlockedDomain.select(BlockedDomain.domain).tuples():
            if blocklist.under(urls.host_of(address), domain):
                return f"domain:{domain}"
    return ""


def _shown_commons():
    """(page, its remote object or None, provenance) of each common shown: not adopted, not trashed."""
    rows = list(Provenance.select(Provenance, Page).join(Page, on=(Page.id == Provenance.page))
                .where(~Provenance.adopted & Page.deleted.is_null()))
    names = [row.page.name for row in rows]
    objects = {o.page: o for o in RemoteObject.select().where(RemoteObject.page.in_(names))} if names else {}
    return [(row.page, objects.get(row.page.name), row) for row in rows]


def _remember(object_id: str, page: str, kind: str, cause: str = "", reason: str = "") -> None:
    object_id = object_id[:500]
    values = dict(page=page, kind=kind, cause=cause[:520], reason=reason[:500], by=_by()[:100])
    if RemovedObject.update(**values).where(RemovedObject.object_id == object_id).execute() == 0:
        RemovedObject.create(object_id=object_id, **values)


def _trash(name: str, comment: str) -> None:
    with pages.receiving():          # the commons' own path: their territory's pages, not ours
        pages.delete_page(name, author=_by(), comment=comment)


def _untrash(name: str) -> None:
    page = Page.get_or_none(Page.name == name)
    if page is not None and page.deleted is not None:
        with pages.receiving():
            pages.undelete_page(name, author=_by())


def _hide(cause: str, test, hosts: bool) -> int:
    """Trash the commons `test` ties to the blocked source, and set aside its held ones."""
    count = 0
    for page, obj, origin in _shown_commons():
        if any(test(a) for a in _addresses(obj, origin, hosts)):
            _remember(obj.object_id if obj else origin.source_url or f"page:{page.name}", page.name, "blocked", cause)
            _trash(page.name, _comment("Hidden: its source (%(source)s) is blocked here.", source=cause.partition(":")[2]))
            count += 1
    for obj in _held_query():
        if any(test(a) for a in _addresses(obj, None, hosts)):
            _remember(obj.object_id, "", "blocked", cause)
            count += 1
    return count


def _bring_back(cause: str) -> int:
    """The commons a block hid come back, unless another block still covers them."""
    count = 0
    for row in list(RemovedObject.select().where((RemovedObject.kind == "blocked") & (RemovedObject.cause == cause))):
        obj = RemoteObject.get_or_none(RemoteObject.object_id == row.object_id)
        page = Page.get_or_none(Page.name == row.page) if row.page else None
        still = _covering(obj, Provenance.get_or_none(Provenance.page == page.id) if page else None)
        if still:
            RemovedObject.update(cause=still).where(RemovedObject.id == row.id).execute()
            continue
        row.delete_instance()
        if page is not None and not (obj is not None and obj.deleted):
            _untrash(page.name)
        count += 1
    return count


def _cut_follows(test, undo: bool) -> int:
    """The source's follows go both ways. For an actor, our Undo and a Reject of its Follow are
    sent; a blocked domain gets nothing (our delivery refuses it)."""
    from .activities.follow import answer, unfollow
    count = 0
    for row in [f for f in Follower.select() if test(f.actor)]:
        sender = RemoteActor.get_or_none(RemoteActor.url == row.actor)
        row.delete_instance()
        if undo and sender is not None:
            answer(row.local, sender, {"id": row.follow_id, "type": "Follow", "actor": row.actor,
                                       "object": urls.actor(row.local)}, "Reject")
        count += 1
    for row in [f for f in Following.select() if test(f.actor)]:
        target = RemoteActor.get_or_none(RemoteActor.url == row.actor)
        if not (undo and target is not None and unfollow(row.local, target)):
            row.delete_instance()
        count += 1
    return count


def _after_block(kind: str, key: str, reason: str, test, hosts: bool) -> dict:
    follows = _cut_follows(test, undo=not hosts)
    hidden = _hide(f"{kind}:{key}", test, hosts)
    audit.record(f"federation.block_{kind}", key, f"{reason} — {follows} follows removed, {hidden} commons hidden".strip(" —"))
    return {"follows": follows, "hidden": hidden}


def block_domain(domain: str, reason: str = "") -> dict | None:
    """Block `domain`: what it does above; None when it was blocked already."""
    domain = blocklist.normalise(domain)
    if not blocklist.block(domain, reason):
        return None
    return _after_block("domain", domain, reason, _domain_test(domain), hosts=True)


def unblock_domain(domain: str) -> int | None:
    """Unblock `domain`: the number of commons back; None when it was not blocked."""
    domain = blocklist.normalise(domain)
    if not blocklist.unblock(domain):
        return None
    back = _bring_back(f"domain:{domain}")
    audit.record("federation.unblock_domain", domain, f"{back} commons back")
    return back


def block_actor(url: str, reason: str = "") -> dict | None:
    url = blocklist.actor_url(url)
    if not blocklist.block_actor(url, reason):
        return None
    return _after_block("actor", url, reason, _actor_test(url), hosts=False)


def unblock_actor(url: str) -> int | None:
    url = blocklist.actor_url(url)
    if not blocklist.unblock_actor(url):
        return None
    back = _bring_back(f"actor:{url}")
    audit.record("federation.unblock_actor", url, f"{back} commons back")
    return back


# -- one common --------------------------------------------------------------------------------
def remove(name: str, reason: str = "") -> RemovedObject | None:
    """Trash the common `name` (not adopted) and remember its object: its later Updates and
    Announces are ignored. None when `name` is not a common shown here."""
    page = Page.get_or_none((Page.name == name) & Page.deleted.is_null())
    origin = Provenance.get_or_none((Provenance.page == page.id) & ~Provenance.adopted) if page else None
    if origin is None:
        return None
    obj = RemoteObject.get_or_none(RemoteObject.page == page.name)
    object_id = obj.object_id if obj else origin.source_url or f"page:{page.name}"
    _remember(object_id, page.name, "removed", reason=reason)
    _trash(page.name, _comment("Removed by a moderator: %(reason)s", reason=reason) if reason
           else _comment("Removed by a moderator."))
    audit.record("federation.remove_common", object_id, f"{page.name}: {reason}".strip(": "))
    return RemovedObject.get(RemovedObject.object_id == object_id[:500])


def removed() -> list[RemovedObject]:
    return list(RemovedObject.select().order_by(RemovedObject.created.desc(), RemovedObject.id.desc()))


def restore(removed_id) -> bool:
    """Undo a removal or a refusal (a held common goes back to the queue). A common a block
    hid comes back with its unblock only."""
    row = RemovedObject.get_or_none(RemovedObject.id == _number(removed_id))
    if row is None or row.kind == "blocked":
        return False
    row.delete_instance()
    obj = RemoteObject.get_or_none(RemoteObject.object_id == row.object_id)
    if row.page and not (obj is not None and obj.deleted):
        _untrash(row.page)
    audit.record("federation.restore_common", row.object_id, row.page)
    return True


# -- held commons ------------------------------------------------------------------------------
def _held_query():
    return (RemoteObject.select().where(RemoteObject.held & ~RemoteObject.deleted
                                        & RemoteObject.object_id.not_in(RemovedObject.select(RemovedObject.object_id)))
            .order_by(RemoteObject.received))


def held(limit: int = 200) -> list[RemoteObject]:
    return list(_held_query().limit(limit))


def _number(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def approve(object_key) -> bool:
    """A held common (RemoteObject id) becomes a page or fiche, as if just received."""
    from . import received
    obj = _held_query().where(RemoteObject.id == _number(object_key)).first()
    if obj is None or refusal(obj.object_id, obj.origin, obj.attributed_to):
        return False
    RemoteObject.update(held=False).where(RemoteObject.id == obj.id).execute()
    obj = RemoteObject.get_by_id(obj.id)
    sender = RemoteActor.get_or_none(RemoteActor.url == obj.origin) or SimpleNamespace(
        url=obj.origin, name="", handle="")
    received.keep(obj, json.loads(obj.document), sender)
    audit.record("federation.approve_common", obj.object_id, obj.name)
    return True


def reject(object_key, reason: str = "") -> bool:
    """A held common refused: never shown, its later Updates ignored (restorable)."""
    obj = _held_query().where(RemoteObject.id == _number(object_key)).first()
    if obj is None:
        return False
    _remember(obj.object_id, "", "rejected", reason=reason)
    audit.record("federation.reject_common", obj.object_id, f"{obj.name}: {reason}".strip(": "))
    return True


def sender_names(objects) -> dict[str, RemoteActor]:
    found = sorted({o.origin for o in objects})
    return {a.url: a for a in RemoteActor.select().where(RemoteActor.url.in_(found))} if found else {}


def blocked_actor_rows() -> list[BlockedActor]:
    return blocklist.blocked_actors()

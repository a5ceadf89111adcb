""""Tout annuler": revert every edit of one person (an account, a pseudonym or an address hash)
made within a time window, in one action, itself revertible.

For each page they touched, the state before their first edit in the window comes back: its text
if nobody else changed the page after them, else a three-way merge that takes their changes out
and keeps the others' (saved only when clean; otherwise the page is skipped and shown to the
moderator). Pages they created go to the trash. Everything goes through wiki/content/pages.py,
so rights, history, search and federation follow; every revision made is recorded in a batch
(RevertBatch, RevertItem), and undoing a batch is reverting the batch's own revisions the same way.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from .. import audit
from ..content import pages as content
from ..content.merge import merge_texts
from ..db import utcnow
from ..fiches import entries
from ..models import Page, Revision
from ..rights import admin_name, current_person
from .models import RevertBatch, RevertItem

KINDS = ("account", "pseudonym", "address", "batch")
MAX_PAGES = 2000                 # one action; a larger vandalism is reverted in several windows
HASH_PREFIX = re.compile(r"^[0-9a-f]{6,32}$")


class RevertError(ValueError):
    """A target or window that cannot be used; `message` is shown to the moderator."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Target:
    kind: str                    # account | pseudonym | address | batch
    value: str                   # username, pseudonym, hash prefix, batch id
    start: datetime | None = None
    end: datetime | None = None
    account_id: int | None = None

    def describe(self) -> str:
        return f"{self.kind} {self.value}"

    def condition(self):
        """Which revisions are this person's (or the batch's) within the window."""
        if self.kind == "account":
            cond = Revision.account == self.account_id
        elif self.kind == "pseudonym":
            cond = (Revision.author == self.value) & Revision.account.is_null()
        elif self.kind == "address":
            cond = Revision.address_hash.startswith(self.value)
        else:
            cond = Revision.id.in_(RevertItem.select(RevertItem.revision).where(
                (RevertItem.batch == int(self.value)) & RevertItem.revision.is_null(False)))
        if self.start is not None:
            cond &= Revision.created >= self.start
        if self.end is not None:
            cond &= Revision.created <= self.end
        return cond


def make_target(kind: str, value: str, start=None, end=None) -> Target:
    """Check what a moderator asked for; raise RevertError with a readable message."""
    from ..accounts.service import find_account
    value = (value or "").replace("\x00", "").strip()[:100]
    if kind not in KINDS or not value:
        raise RevertError(_l("Choose whose edits to revert: an account, a pseudonym or an address."))
    if start is not None and end is not None and start > end:
        raise RevertError(_l("The start of the period is after its end."))
    target = Target(kind, value, start, end)
    if kind == "account":
        account = find_account(value) if "@" not in value else None
        if account is None:
            raise RevertError(_l("There is no account “%(name)s”.", name=value))
        target.value, target.account_id = account.username, account.id
    elif kind == "address":
        target.value = value.lower()
        if not HASH_PREFIX.match(target.value):
            raise RevertError(_l("An address hash is made of 6 to 32 hexadecimal characters."))
    elif kind == "batch":
        if not value.isdigit() or RevertBatch.get_or_none(RevertBatch.id == int(value[:9])) is None:
            raise RevertError(_l("There is no such revert."))
        target.value = str(int(value[:9]))
    return target


@dataclass
class Step:
    """What the revert does (or did) to one page."""
    page: Page
    action: str                  # restore, merge, trash, undelete, skip, none
    edits: int = 0               # how many of the target's revisions it takes out
    note: str = ""
    text: str | None = None      # the text to save (restore, merge)
    before: Revision | None = None
    base: int | None = None      # the current revision when planned: a change since is merged
    trashed: bool = False        # the page ends in the trash
    revisions: list = field(default_factory=list)   # (revision id, action) made


def plan(target: Target) -> list[Step]:
    """What reverting `target` would do, page by page (nothing is written)."""
    mine = list(Revision.select(Revision.id, Revision.page, Revision.number)
                .where(target.condition()).order_by(Revision.page, Revision.number))
    by_page: dict[int, list] = {}
    for rev in mine:
        by_page.setdefault(rev.page_id, []).append(rev)
    if len(by_page) > MAX_PAGES:
        raise RevertError(_l("More than %(max)s pages: choose a shorter period.", max=MAX_PAGES))
    pages = {p.id: p for p in Page.select().where(Page.id.in_(list(by_page)))} if by_page else {}
    steps = [_step(pages[pid], revs) for pid, revs in by_page.items() if pid in pages]
    return sorted(steps, key=lambda s: s.page.name)


def _step(page: Page, revs: list) -> Step:
    theirs = {r.id for r in revs}
    first = revs[0].number
    before = (Revision.select().where((Revision.page == page) & (Revision.number < first))
              .order_by(Revision.number.desc()).first())
    later = list(Revision.select(Revision.id, Revision.number).where(
        (Revision.page == page) & (Revision.number > first)).order_by(Revision.number))
    others = [r for r in later if r.id not in theirs]
    current = content.current_revision(page)
    step = Step(page, "none", edits=len(revs), before=before, base=page.revision)
    if before is None:                                    # they created it
        if others:
            return _skip(step, _l("Created by them, then changed by others: check it yourself."))
        if page.deleted:
            return _skip(step, _l("Already in the trash."), action="none")
        step.action, step.trashed = "trash", True
        return step
    step.trashed = before.action == "delete"
    if not others:
        if current.source == before.source and bool(page.deleted) == step.trashed:
            return _skip(step, _l("Nothing left to revert."), action="none")
        step.text = before.source
        step.action = "undelete" if page.deleted and not step.trashed else (
            "trash" if step.trashed and current.source == before.source else "restore")
        return step
    if page.deleted or step.trashed:
        return _skip(step, _l("In the trash or trashed since: check it yourself."))
    last = Revision.get_by_id(revs[-1].id)
    merged = merge_texts(last.source, before.source, current.source)
    if merged.conflicts or (page.kind != "page" and not entries.is_valid_source(merged.text)):
        return _skip(step, _l("Others changed the same lines since: revert it by hand."))
    if merged.text == current.source:
        return _skip(step, _l("Nothing left to revert."), action="none")
    step.action, step.text = "merge", merged.text
    return step


def _skip(step: Step, note, action="skip") -> Step:
    step.action, step.note = action, str(note)
    return step


def run(target: Target) -> RevertBatch:
    """Revert `target` now (in a request: the moderator's rights apply to every page), record
    the batch and write the audit entry."""
    steps = plan(target)
    person = current_person()
    batch = RevertBatch.create(created=utcnow(), actor=admin_name()[:100] or "system",
                               account=person.account_id, kind=target.kind, value=target.value,
                               target=target.describe()[:300], start=target.start, end=target.end,
                               undoes=int(target.value) if target.kind == "batch" else None)
    comment = str(_l("Reverted the edits of %(target)s (revert %(id)s)", target=target.describe(),
                     id=batch.id))
    done = skipped = 0
    for step in steps:
        if step.action in ("skip", "restore", "merge", "trash", "undelete"):
            if step.action != "skip":
                _apply(step, comment)
            rows = [{"batch": batch.id, "page": step.page.id, "revision": rid, "action": action,
                     "note": step.note[:300]} for rid, action in step.revisions]
            rows = rows or [{"batch": batch.id, "page": step.page.id, "revision": None,
                             "action": "skip", "note": step.note[:300]}]
            RevertItem.insert_many(rows).execute()
            done, skipped = (done + 1, skipped) if step.revisions else (done, skipped + 1)
    audit.record("revert.undo" if target.kind == "batch" else "revert.all", target.describe(),
                 f"batch {batch.id}: {done} pages reverted, {skipped} skipped")
    return batch


def _apply(step: Step, comment: str) -> None:
    """Write one page's step; a page the moderator may not change is skipped with the reason."""
    name, author = step.page.name, admin_name()
    try:
        if step.before is None or (step.trashed and step.text == content.current_revision(step.page).source):
            if not step.page.deleted:
                step.revisions.append((content.delete_page(name, author=author, comment=comment).revision, "trash"))
            return
        if step.page.deleted:
            page = content.undelete_page(name, author=author)
            step.revisions.append((page.revision, "undelete"))
            step.base = page.revision
        result = _save(step, comment)
        if not result.unchanged:
            step.revisions.append((result.revision.id, "merge" if step.action == "merge" else "restore"))
        if step.trashed:
            step.revisions.append((content.delete_page(name, author=author, comment=comment).revision, "trash"))
    except content.ContentError as exc:
        step.action, step.note = "skip", str(exc.message)[:300]
    except ValueError:                      # an old fiche text that is no longer valid
        step.action, step.note = "skip", str(_l("This fiche's old text is not valid any more."))


def _save(step: Step, comment: str) -> content.SaveResult:
    """Save the step's text over the current one (a fiche keeps its title and query columns:
    the content layer's write hook rewrites them from the text)."""
    page = content.get_page(step.page.name)
    extra = {}
    if page.kind != "page":
        form = entries.catalogue().form(page.kind)
        values = entries.from_source(step.text)
        extra = {"title": entries.title_of(form, values) if form else step.before.title,
                 "check_merged": entries.is_valid_source, "announce": not entries.is_pending(page)}
        if form is not None:
            extra["title_from"] = lambda text: entries.title_of(form, entries.from_source(text))
    return content.save_page(page.name, step.text, base_revision=step.base, comment=comment,
                             author=admin_name(), action="revert", kind=page.kind, **extra)


def batches(limit: int = 50, offset: int = 0) -> list[RevertBatch]:
    return list(RevertBatch.select().order_by(RevertBatch.id.desc()).limit(limit).offset(offset))


def items_of(batch: RevertBatch) -> list[tuple]:
    """(page, [items]) of a batch, by page name."""
    rows = list(RevertItem.select().where(RevertItem.batch == batch.id).order_by(RevertItem.id))
    pages = {p.id: p for p in Page.select().where(Page.id.in_({r.page for r in rows}))} if rows else {}
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.page, []).append(row)
    return sorted(((pages[pid], items) for pid, items in grouped.items() if pid in pages),
                  key=lambda pair: pair[0].name)


def undone_by(batch: RevertBatch) -> RevertBatch | None:
    return RevertBatch.get_or_none(RevertBatch.undoes == batch.id)


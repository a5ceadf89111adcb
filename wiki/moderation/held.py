"""Edits held for moderation: kept aside by the anti-spam check, published or refused by a moderator.

Holding writes a HeldEdit row and nothing else: the page, its history, search and the recent
changes know nothing of it. Approving it is saving it, then, through save_page from the revision
its author started from, so the usual three-way merge applies; overlapping changes come back to
the moderator as a MergeConflict. The revision is its author's (name, account, address hash,
party), not the moderator's.
"""
from flask_babel import lazy_gettext as _l

from ..content import pages as content
from ..db import utcnow
from ..models import Page
from ..names import title_from_name
from ..render.sanitize import sanitize_text_line
from .models import HeldEdit

MAX_REASON = 500


class EditHeld(content.Deferred):
    """Raised by the anti-spam check: the change waits for a moderator (HTTP 202)."""

    def __init__(self, name, kind, proposal, person):
        super().__init__(_l("Your change was received and will be published after a moderator checks "
                            "it. Your text is kept below."))
        self.name, self.kind, self.proposal, self.person = name, kind, proposal, person
        self.held = None

    def keep(self) -> None:
        from flask import g, has_request_context

        from ..rights import address_hash
        if has_request_context():
            g.bocage_edit_held = True
        p, person = self.proposal, self.person
        self.held = HeldEdit.create(
            name=self.name, kind=self.kind, source=p["source"], title=(p.get("title") or None),
            base_revision=p.get("base_revision"), comment=p.get("comment") or "",
            author=p.get("author") or "", action=p.get("action") or "edit",
            account=person.account_id, address_hash=None if person.signed_in else address_hash() or None,
            party=person.party_id, created=utcnow())


def clean_reason(reason) -> str:
    """A moderator's reason as it is stored and mailed: one line, no control character, short."""
    text = sanitize_text_line(content._no_surrogates(str(reason or "")))
    return " ".join(text.split())[:MAX_REASON]


def waiting(limit: int = 500) -> list[HeldEdit]:
    return list(HeldEdit.select().where(HeldEdit.status == "held")
                .order_by(HeldEdit.created, HeldEdit.id).limit(limit))


def waiting_count() -> int:
    return HeldEdit.select().where(HeldEdit.status == "held").count()


def get(held_id) -> HeldEdit:
    number = content._int(held_id)
    held = HeldEdit.get_or_none(HeldEdit.id == number) if number else None
    if held is None:
        raise content.NotFound(_l("There is no held change %(id)s.", id=str(held_id)[:20]))
    return held


def title_of(held: HeldEdit) -> str:
    page = Page.get_or_none(Page.name == held.name)
    if held.kind == "page":
        return content.title_of(held.source, page.title if page else title_from_name(held.name))
    return held.title or (page.title if page else title_from_name(held.name))


def current_text(held: HeldEdit) -> str:
    page = Page.get_or_none(Page.name == held.name)
    current = content.current_revision(page) if page else None
    return current.source if current else ""


def _fiche_options(kind: str) -> dict:
    if kind == "page":
        return {}
    from ..fiches import entries
    form = entries.catalogue().form(kind)
    if form is None:
        raise content.NotFound(_l("There is no form “%(form)s” any more.", form=kind))
    return {"check_merged": entries.is_valid_source,
            "title_from": lambda text: entries.title_of(form, entries.from_source(text))}


def approve(held_id, *, decided_by: str, source: str | None = None, base=None):
    """Publish a held change as its author's; returns the SaveResult, or None when it was not
    waiting any more. `source` and `base`: the moderator's resolution of a merge conflict."""
    held = get(held_id)
    if held.status != "held":
        return None
    attribution = {"account": held.account, "address_hash": held.address_hash, "party": held.party}
    with content.on_behalf_of(attribution):
        result = content.save_page(
            held.name, held.source if source is None else source,
            base_revision=held.base_revision if source is None else base, comment=held.comment,
            author=held.author, title=held.title, action=held.action, kind=held.kind,
            **_fiche_options(held.kind))
    decided = HeldEdit.update(status="approved", decided=utcnow(), decided_by=decided_by[:100],
                              revision=result.revision.id).where(
        (HeldEdit.id == held.id) & (HeldEdit.status == "held")).execute()
    if decided and held.account:
        from ..accounts.models import Account
        Account.update(approved_edits=Account.approved_edits + 1).where(Account.id == held.account).execute()
    return result


def reject(held_id, *, reason: str, decided_by: str) -> HeldEdit | None:
    """Refuse a held change: it stays in the table (status rejected, the reason), never published."""
    held = get(held_id)
    done = HeldEdit.update(status="rejected", decided=utcnow(), decided_by=decided_by[:100],
                           reason=clean_reason(reason)).where(
        (HeldEdit.id == held.id) & (HeldEdit.status == "held")).execute()
    return HeldEdit.get_by_id(held.id) if done else None

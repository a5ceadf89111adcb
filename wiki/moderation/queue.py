"""The sources of the moderation queue: pending fiches, held edits, and what extensions register.

A source is an object with `kind` (a short code used in URLs), `label` (the queue's heading),
`items()` (a list of QueueItem, or objects/dicts with the same attributes), `approve(id)` and
`reject(id, reason)`, both returning True when done and False when the item was not waiting any
more (a ContentError for anything else: its message is shown). Extensions append theirs to
`app.extensions["bocage.moderation_sources"]` (see wiki/moderation/__init__.py).
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.models import Account
from ..content import pages as content
from ..content.diff import diff_lines
from ..fiches import entries
from ..models import Revision
from ..rights import admin_name
from . import held as held_edits

SOURCES_KEY = "bocage.moderation_sources"
log = logging.getLogger(__name__)


@dataclass
class QueueItem:
    id: str
    title: str
    url: str | None = None
    author: str = ""
    created: datetime | None = None
    summary: str = ""                 # one line: the form, the comment, where it comes from
    diff: list | None = None          # rows of wiki/content/diff.py, when there is a text change
    source: str | None = None         # the whole proposed text, for reading before deciding


def notify(account_id, subject: str, text: str) -> bool:
    """Mail an account's owner (when it has a confirmed e-mail and the mail module exists);
    a failure is logged, never in the way of a decision."""
    if not account_id:
        return False
    account = Account.get_or_none(Account.id == account_id)
    if account is None or not account.email or account.status != "active":
        return False
    try:
        from ..mail import send_mail
    except ImportError:           # the accounts' mail module is not there: nothing to send with
        return False
    try:
        send_mail(account.email, subject, text)
    except Exception:             # noqa: BLE001 - SMTP down: the decision stands, the log says so
        log.exception("moderation notice to account %s not sent", account_id)
        return False
    return True


def decision_text(what: str, approved: bool, reason: str) -> tuple[str, str]:
    name = current_app.extensions["bocage.instance"].name
    if approved:
        subject = _("%(wiki)s: your change is published", wiki=name)
        text = _("A moderator published your change of “%(what)s”.", what=what)
    else:
        subject = _("%(wiki)s: your change was not published", wiki=name)
        text = _("A moderator did not publish your change of “%(what)s”.", what=what)
    if reason:
        text += "\n\n" + _("Reason: %(reason)s", reason=reason)
    return subject, text + "\n"


class FicheSource:
    """Fiches sent to a moderated form (wiki/fiches/entries.py)."""
    kind = "fiche"
    label = _l("Fiches waiting")

    def items(self):
        lang = get_locale().language
        catalogue = entries.catalogue()
        out = []
        for row in entries.pending():
            form = catalogue.form(row["form"])
            out.append(QueueItem(id=row["page"].name, title=row["title"] or row["page"].title,
                                 url=url_for("pages.show", name=row["page"].name), author=row["author"],
                                 created=row["created"], summary=form.name_in(lang) if form else row["form"]))
        return out

    def _author_account(self, name):
        page = content.get_page(name, include_deleted=True)
        first = Revision.get_or_none((Revision.page == page) & (Revision.number == 1))
        return (first.account if first else None), page.title

    def approve(self, item_id):
        content.valid_name(item_id)
        entries.load(item_id)                    # a readable 404 when there is no such fiche
        if not entries.approve(item_id):
            return False
        account, title = self._author_account(item_id)
        notify(account, *decision_text(title, True, ""))
        return True

    def reject(self, item_id, reason):
        content.valid_name(item_id)
        entries.load(item_id)
        reason = held_edits.clean_reason(reason)
        if not entries.reject(item_id, reason=reason, author=admin_name()):
            return False
        account, title = self._author_account(item_id)
        notify(account, *decision_text(title, False, reason))
        return True


class HeldEditSource:
    """Changes held by the anti-spam checks (first edits of new accounts, anonymous edits)."""
    kind = "edit"
    label = _l("Held changes")

    def items(self):
        out = []
        for held in held_edits.waiting():
            current = held_edits.current_text(held)
            out.append(QueueItem(
                id=str(held.id), title=held_edits.title_of(held), url=url_for("pages.show", name=held.name),
                author=held.author, created=held.created, source=held.source,
                summary=(_("New page") if not current else _("Change")) + (f" — {held.comment}" if held.comment else ""),
                diff=diff_lines(current, held.source)))
        return out

    def approve(self, item_id):
        result = held_edits.approve(item_id, decided_by=admin_name())
        if result is None:
            return False
        held = held_edits.get(item_id)
        notify(held.account, *decision_text(result.page.title, True, ""))
        return True

    def reject(self, item_id, reason):
        held = held_edits.reject(item_id, reason=reason, decided_by=admin_name())
        if held is None:
            return False
        notify(held.account, *decision_text(held_edits.title_of(held), False, held.reason))
        return True


BUILT_IN = (FicheSource(), HeldEditSource())


def sources() -> list:
    return [*BUILT_IN, *current_app.extensions.get(SOURCES_KEY, [])]


def source(kind: str):
    for found in sources():
        if found.kind == kind:
            return found
    raise content.NotFound(_l("There is no such kind of item to moderate."))


def waiting_count() -> int:
    return entries.pending_count() + held_edits.waiting_count()

"""Watching a page or a form: an account follows what changes there, in its own Atom feed
(its address carries a secret: feed readers send no cookie) or by e-mail.

What a watcher is shown is decided by wiki/rights.py for that watcher, at the time of reading:
a page that became private since it was watched drops out of the feed and of the e-mails.
"""
import logging
import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from peewee import IntegrityError

from .. import events, rights
from ..accounts.models import Account
from ..db import utcnow
from ..models import Entry, Page, Revision
from .models import Watch, WatchFeed

log = logging.getLogger(__name__)
FEED_LIMIT = 50
MAX_WATCHES = 1000


def page_target(name: str) -> str:
    return f"page:{name}"


def form_target(form_id: str) -> str:
    return f"form:{form_id}"


def is_watching(account_id, target: str) -> bool:
    return account_id is not None and Watch.select().where(
        (Watch.account == account_id) & (Watch.target == target)).exists()


def watch(account_id: int, target: str) -> bool:
    """Start watching; False when already watched (or too many watches)."""
    if Watch.select().where(Watch.account == account_id).count() >= MAX_WATCHES:
        return False
    try:
        Watch.create(account=account_id, target=target[:150], created=utcnow())
        return True
    except IntegrityError:
        return False


def unwatch(account_id: int, target: str) -> None:
    Watch.delete().where((Watch.account == account_id) & (Watch.target == target)).execute()


def set_email(account_id: int, watch_id: int, email: bool) -> bool:
    return Watch.update(email=email).where((Watch.id == watch_id) & (Watch.account == account_id)).execute() > 0


def watches_of(account_id: int) -> list[Watch]:
    return list(Watch.select().where(Watch.account == account_id).order_by(Watch.target))


def feed_token(account_id: int, *, renew: bool = False) -> str:
    """The secret of the account's feed address, made at the first use; `renew` replaces it
    (the old address stops working)."""
    row = WatchFeed.get_or_none(WatchFeed.account == account_id)
    if row is not None and not renew:
        return row.token
    token = secrets.token_urlsafe(24)
    if row is None:
        WatchFeed.create(account=account_id, token=token, created=utcnow())
    else:
        WatchFeed.update(token=token, created=utcnow()).where(WatchFeed.account == account_id).execute()
    return token


def account_of_feed(token: str) -> Account | None:
    if not token or len(token) > 64 or "\x00" in token:
        return None
    row = WatchFeed.get_or_none(WatchFeed.token == token)
    if row is None or not secrets.compare_digest(row.token, token):
        return None
    account = Account.get_or_none(Account.id == row.account)
    return account if account is not None and account.status == "active" else None


def _split(targets: list) -> tuple[set, set]:
    names = {t[5:] for t in targets if t.startswith("page:")}
    forms = {t[5:] for t in targets if t.startswith("form:")}
    return names, forms


def feed_revisions(account: Account, limit: int = FEED_LIMIT) -> list[Revision]:
    """The latest revisions of the pages and fiches `account` watches and may still read."""
    person = rights.person_of(account)
    names, forms = _split([w.target for w in watches_of(account.id)])
    if not (names or forms) or not rights.allows(rights.instance_rule()[0], person):
        return []
    watched = Page.name.in_(sorted(names)) if names else None
    if forms:
        watched = Page.kind.in_(sorted(forms)) if watched is None else (watched | Page.kind.in_(sorted(forms)))
    query = (Revision.select(Revision, Page).join(Page, on=(Revision.page == Page.id))
             .where(watched & Page.deleted.is_null() & rights.readable_filter(Page, person)))
    if not person.is_moderator:
        query = query.where(Page.id.not_in(Entry.select(Entry.page).where(Entry.status == "pending")))
    return list(query.order_by(Revision.created.desc(), Revision.id.desc()).limit(limit))


# -- e-mail --------------------------------------------------------------------------------
def _send_mail():
    """wiki/mail.py's send_mail and link (SMTP or data/outbox/), None where mail is not there."""
    try:
        from ..mail import link, send_mail
    except ImportError:
        return None
    return send_mail, link


def watchers_to_mail(page: Page, revision: Revision) -> list[Account]:
    """Accounts watching this page (or its form) by e-mail, who may read it, but not its author."""
    targets = [page_target(page.name)] + ([form_target(page.kind)] if page.kind != "page" else [])
    ids = {w.account for w in Watch.select(Watch.account).where(Watch.target.in_(targets) & Watch.email)}
    ids.discard(revision.account)
    if not ids:
        return []
    found = Account.select().where(Account.id.in_(sorted(ids)) & (Account.status == "active")
                                   & Account.email.is_null(False))
    return [a for a in found if rights.may_read(page.name, page.kind, rights.person_of(a))]


def _on_saved(app, page=None, revision=None, created=False, **_kw):
    """After the save's commit (never inside its transaction): one short mail per watcher. A
    mail that fails is logged; the save is done already and stays done."""
    if page is None or revision is None or page.deleted:
        return
    mail = _send_mail()
    if mail is None:
        return
    try:
        accounts = watchers_to_mail(page, revision)
        if accounts:
            _mail(app, page, revision, accounts, *mail)
    except Exception:                        # noqa: BLE001  (a watcher's mail must not fail a save)
        log.exception("mail to the watchers of %s", page.name)


def _mail(app, page, revision, accounts, send, absolute) -> None:
    instance = app.extensions["bocage.instance"]
    with force_locale(instance.language):
        subject = _("%(site)s: “%(title)s” was changed", site=instance.name, title=page.title)
        link = absolute(f"/wiki/{page.name}/diff?to={revision.id}")   # base_url, never the Host header
        text = _("%(who)s changed “%(title)s”.\n\n%(comment)s\n\nSee the changes: %(link)s\n\n"
                 "You get this because you watch this page; to stop, see your watches on the wiki.",
                 who=revision.author, title=page.title, comment=revision.comment or "", link=link)
    for account in accounts:
        try:
            send(account.email, subject[:200], text)
        except Exception:                    # noqa: BLE001
            log.exception("mail to watcher %s", account.id)


def watch_state(target: str) -> bool:
    """For templates: whether the signed-in person watches `target`."""
    return is_watching(rights.current_person().account_id, target)


def init_app(app) -> None:
    app.add_template_global(watch_state)
    app.add_template_global(page_target)
    app.add_template_global(form_target)
    events.page_saved.connect(_on_saved, weak=False)

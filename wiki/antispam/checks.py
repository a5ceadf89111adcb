"""`check_edit`: the one spam check of every change made in a request, whatever the route.

Registered as an edit check of the content layer (wiki/content/pages.py), it runs inside every
save, restore, merge and import made in a request, after the write guard: honeypot, rate limits,
link cap, blocklist, then holding for moderation. Refusals are ContentErrors: the views show the
message with the person's text kept. Admins and moderators are exempt, and so are writes made
outside requests (CLI, worker) and the federation's receiving path.
"""
from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l

from ..content.pages import ContentError, Deferred
from ..rights import address_hash, current_person

HONEYPOT = "site_web"


class SpamRefused(ContentError):
    """An edit the anti-spam checks refuse (400), its text kept by the view."""
    status = 400


class TooFast(ContentError):
    status = 429


def state():
    return current_app.extensions["bocage.antispam"]


def honeypot_filled() -> bool:
    """Whether this request's form filled the field people never see (robots fill everything).
    Other forms (sign-up, comments) include templates/antispam/honeypot.html and call this."""
    return has_request_context() and request.method == "POST" and bool(request.form.get(HONEYPOT, "").strip())


def _rate_key(person) -> tuple[str, int]:
    settings = state().settings
    if person.signed_in:
        return f"account:{person.account_id}", settings.edits_per_minute_account
    if person.party_id is not None:      # a wiki party shares one address: per pseudonym there
        return f"party:{person.party_id}:{person.pseudonym.casefold()}", settings.edits_per_minute_account
    return f"address:{address_hash()}", settings.edits_per_minute_address


def _check_rate(person) -> None:
    if g.get("bocage_edit_counted"):     # one request, one edit (a batch, a retried save)
        return
    key, limit = _rate_key(person)
    if not state().window.allow(key, limit):
        raise TooFast(_l("You are saving changes very fast: wait %(seconds)s seconds, then save "
                         "again. Your text is kept below.", seconds=state().window.wait(key)))
    g.bocage_edit_counted = True


def check_edit(name: str, kind: str, old_source: str, new_source: str, proposal: dict | None = None) -> None:
    """Refuse (SpamRefused, TooFast) or hold (EditHeld) the change of page `name` from
    `old_source` to `new_source` made by the person of this request; return to let it through."""
    if not has_request_context() or "bocage.antispam" not in current_app.extensions:
        return
    person = current_person()
    if person.is_moderator:
        return
    settings = state().settings
    if honeypot_filled():
        raise SpamRefused(_l("This could not be saved. Your text is kept below: check it and save again."))
    _check_rate(person)
    cap = settings.max_links_anonymous
    if not person.signed_in and cap >= 0:
        from .textscan import added_links
        added = added_links(old_source, new_source)
        if added > cap:
            raise SpamRefused(_l("Without an account, a change may add at most %(cap)s links to other "
                                 "sites (this one adds %(added)s). Remove some, or sign in, and save "
                                 "again. Your text is kept below.", cap=cap, added=added))
    blocked = state().blocklist.get().first_added(old_source, new_source)
    if blocked:
        raise SpamRefused(_l("Your text contains “%(word)s”, which is not accepted on this wiki. Remove "
                             "it and save again. Your text is kept below.", word=blocked[:100]))
    if proposal is not None and _held(person, kind, proposal):
        from ..moderation.held import EditHeld
        raise EditHeld(name, kind, proposal, person)


def _held(person, kind: str, proposal: dict) -> bool:
    settings = state().settings
    if kind != "page" and proposal.get("created") and _moderated_form(kind):
        return False                   # a new fiche of a moderated form waits as a pending fiche
    if person.signed_in:
        if settings.hold_first_edits <= 0:
            return False
        from ..accounts.models import Account
        account = Account.get_or_none(Account.id == person.account_id)
        return account is not None and account.approved_edits < settings.hold_first_edits
    if person.party_id is not None:    # a wiki party: no barrier while it runs
        return False
    return settings.hold_anonymous


def _moderated_form(kind: str) -> bool:
    from ..fiches import entries
    form = entries.catalogue().form(kind)
    return bool(form is not None and form.moderation)


__all__ = ["check_edit", "honeypot_filled", "SpamRefused", "TooFast", "Deferred", "HONEYPOT"]

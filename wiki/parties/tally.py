"""A wiki party closes by itself: the first request (or `close_ended_parties()` from anywhere)
after its end writes its tally as a wiki page, once, whoever triggers it.

Claiming is one UPDATE ... WHERE closed_at IS NULL: of two requests noticing the end at the same
time, one changes the row and writes the tally, the other changes nothing and stops. The tally
is written by the instance itself (content.pages.as_instance): not the visitor's edit, not
limited by their rights, not counted as the party's.
"""
import logging
import re
import threading
import time

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ..content import pages as content
from ..db import utcnow
from ..models import Page
from ..names import MAX_NAME_LENGTH, to_name
from . import service
from .board import board
from .models import WikiParty

log = logging.getLogger(__name__)
CHECK_EVERY = 60.0            # seconds, per process: the before_request check costs nothing between
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def close_ended_parties() -> list[str]:
    """Close every party whose end has passed and is not closed yet; the tally pages written."""
    now = utcnow()
    ended = list(WikiParty.select().where(WikiParty.closed_at.is_null() & (WikiParty.ends <= now)))
    return [name for name in (close_party(party) for party in ended) if name]


def close_party(party: WikiParty) -> str | None:
    """Close `party` now (if nobody did) and write its tally; its page name, None if another
    request closed it first. If the tally cannot be written, the party stays ended and unclosed:
    the next check tries again."""
    now = utcnow()
    claimed = WikiParty.update(closed_at=now).where(
        (WikiParty.id == party.id) & WikiParty.closed_at.is_null()).execute()
    service.forget()
    if not claimed:
        return None
    party = WikiParty.get_by_id(party.id)
    try:
        name = write_tally(party)
    except Exception:                                  # never lose the party over its tally
        log.exception("wiki party %s: the tally could not be written", party.id)
        WikiParty.update(closed_at=None, ends=min(party.ends, now)).where(WikiParty.id == party.id).execute()
        service.forget()
        return None
    WikiParty.update(tally_page=name).where(WikiParty.id == party.id).execute()
    return name


def write_tally(party: WikiParty) -> str:
    instance = current_app.extensions["bocage.instance"]
    with force_locale(instance.language), content.as_instance():
        from ..rights import VISITOR
        source = tally_source(party, board(party, person=VISITOR, lang=instance.language))
        name = tally_name(party)
        content.save_page(name, source, author=instance.name,
                          comment=_("Tally of the wiki party “%(name)s”", name=party.name[:200]))
    return name


def tally_name(party: WikiParty) -> str:
    """fete-du-wiki-<local date>-<slug of the name>, free (else -2, -3... or the code)."""
    date = service.to_local(party.starts).strftime("%Y-%m-%d")
    prefix = f"fete-du-wiki-{date}"
    slug = to_name(party.name)[: MAX_NAME_LENGTH - len(prefix) - 4].strip("-") or party.code.lower()
    base = f"{prefix}-{slug}"
    for candidate in [base] + [f"{base}-{n}" for n in range(2, 10)] + [f"{prefix}-{party.code.lower()}"]:
        if not Page.select().where(Page.name == candidate).exists():
            return candidate
    return f"{prefix}-{party.code.lower()}-{party.id}"


def md(text) -> str:
    """Text from people, as Markdown that shows it as typed (never markup, links or actions)."""
    return _MARKDOWN.sub(r"\\\1", str(text or ""))


def _link(item) -> str:
    label = re.sub(r"[\[\]|\s]+", " ", item["title"] or item["name"])[:200].strip() or item["name"]
    return f"[[{item['name']}|{label}]]"


def tally_source(party: WikiParty, data: dict) -> str:
    fmt = "%d/%m/%Y %H:%M"
    starts, ends = service.to_local(party.starts), service.to_local(min(party.ends, party.closed_at or party.ends))
    counts = data["counts"]
    lines = [f"# {md(party.name)}", ""]
    if party.place:
        lines.append(_("Wiki party held at %(place)s, from %(start)s to %(end)s (Paris time).",
                       place=md(party.place), start=starts.strftime(fmt), end=ends.strftime(fmt)))
    else:
        lines.append(_("Wiki party held from %(start)s to %(end)s (Paris time).",
                       start=starts.strftime(fmt), end=ends.strftime(fmt)))
    lines += ["", f"## {_('In numbers')}", "",
              f"- {_('Pages created')}: {counts['pages_created']}",
              f"- {_('Pages improved')}: {counts['pages_edited']}",
              f"- {_('Fiches')}: {counts['fiches']}",
              f"- {_('Places')}: {counts['places']}",
              f"- {_('Contributors')}: {counts['contributors']}",
              f"- {_('Edits')}: {counts['edits']}"]
    sections = [(_("Pages created"), data["pages_created"]), (_("Pages improved"), data["pages_edited"])]
    sections += [(group["label"], group["items"]) for group in data["fiches"]]
    for title, items in sections:
        if items:
            lines += ["", f"## {md(title)}", ""] + [f"- {_link(item)}" for item in items]
    if data["contributors"]:
        lines += ["", f"## {_('Contributors')}", ""]
        lines += [f"- {md(p['name'] or _('Anonymous'))} ({p['edits']})" for p in data["contributors"]]
    lines += ["", _("Thank you to everyone who came!"), ""]
    return "\n".join(lines)


def init_app(app) -> None:
    """Check for ended parties at most once a minute per process, before some request."""
    check = {"next": 0.0, "lock": threading.Lock()}

    @app.before_request
    def _close_ended_parties():
        if time.monotonic() < check["next"] or not check["lock"].acquire(blocking=False):
            return
        try:
            check["next"] = time.monotonic() + CHECK_EVERY
            close_ended_parties()
        except Exception:                              # a page view never fails over this
            log.exception("closing the ended wiki parties failed")
        finally:
            check["lock"].release()

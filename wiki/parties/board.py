"""What a wiki party produced, read from the revisions made at it (Revision.party, which the
content layer fills from the participant's session): the live board, its JSON and the tally.

Only what the person asking may read is listed (rights.readable_filter), never a page in the
trash or a fiche waiting for moderation (those are only counted).
"""
from flask_babel import get_locale
from peewee import fn

from .. import rights
from ..accounts.models import Account
from ..fiches import entries
from ..models import Entry, Page, Revision
from .models import WikiParty

LIMIT = 500              # per list: a party makes tens of pages, not thousands


def board(party: WikiParty, *, person=None, lang: str | None = None) -> dict:
    """Pages created and edited, fiches by form, places, contributors, and their numbers."""
    lang = lang or _lang()
    pending = Entry.select(Entry.page).where(Entry.status == "pending")
    first = fn.MIN(Revision.number).alias("first")
    edits = fn.COUNT(Revision.id).alias("edits")
    rows = (Page.select(Page.id, Page.name, Page.title, Page.kind, first, edits)
            .join(Revision, on=(Revision.page == Page.id))
            .where((Revision.party == party.id) & Page.deleted.is_null() & ~Page.id.in_(pending)
                   & rights.readable_filter(Page, person))
            .group_by(Page.id, Page.name, Page.title, Page.kind)
            .order_by(Page.title).limit(LIMIT * 4).dicts())
    created, edited, fiches = [], [], {}
    for row in rows:
        item = {"name": row["name"], "title": row["title"], "edits": row["edits"]}
        if row["kind"] != "page":
            fiches.setdefault(row["kind"], []).append(item)
        elif row["first"] == 1:
            created.append(item)
        else:
            edited.append(item)
    by_form = [{"form": kind, "label": _form_label(kind, lang), "items": items[:LIMIT], "count": len(items)}
               for kind, items in sorted(fiches.items(), key=lambda pair: _form_label(pair[0], lang))]
    places = _places([item["name"] for items in fiches.values() for item in items])
    held = (Revision.select(fn.COUNT(fn.DISTINCT(Revision.page))).join(Entry, on=(Entry.page == Revision.page))
            .where((Revision.party == party.id) & (Entry.status == "pending")).scalar()) or 0
    people = contributors(party)
    return {
        "pages_created": created[:LIMIT], "pages_edited": edited[:LIMIT], "fiches": by_form,
        "places": places, "contributors": people,
        "counts": {"pages_created": len(created), "pages_edited": len(edited),
                   "fiches": sum(len(items) for items in fiches.values()), "places": len(places),
                   "contributors": len(people), "edits": sum(p["edits"] for p in people),
                   "pending": held},
    }


def contributors(party: WikiParty) -> list[dict]:
    """Who edited at the party: pseudonyms (and usernames of accounts), with their edit counts."""
    count = fn.COUNT(Revision.id).alias("edits")
    rows = (Revision.select(Revision.author, Revision.account, count).where(Revision.party == party.id)
            .group_by(Revision.author, Revision.account).dicts())
    ids = {row["account"] for row in rows if row["account"]}
    usernames = dict(Account.select(Account.id, Account.username).where(Account.id.in_(sorted(ids))).tuples()) if ids else {}
    merged: dict[tuple, int] = {}
    for row in rows:
        key = (usernames.get(row["account"], row["author"]), bool(row["account"]))
        merged[key] = merged.get(key, 0) + row["edits"]
    people = [{"name": name, "account": account, "edits": n} for (name, account), n in merged.items()]
    return sorted(people, key=lambda p: (-p["edits"], p["name"].casefold()))[:LIMIT]


def _places(names: list[str]) -> list[dict]:
    if not names:
        return []
    rows = (Entry.select(Page.name, Entry.title, Entry.lat, Entry.lon).join(Page)
            .where(Page.name.in_(names) & Entry.lat.is_null(False) & Entry.lon.is_null(False))
            .order_by(Entry.sort_key).limit(LIMIT).dicts())
    return [{"name": r["name"], "title": r["title"], "lat": r["lat"], "lon": r["lon"]} for r in rows]


def _form_label(kind: str, lang: str) -> str:
    form = entries.catalogue().form(kind)
    return form.name_in(lang) if form else kind


def _lang() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"

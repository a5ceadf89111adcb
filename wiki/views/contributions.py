"""What one person wrote: /contributions/<username> for accounts (public, like page histories),
and for moderators the edits made without an account, by pseudonym or by address hash (never
shown to others: the hash is enough to find someone's other edits).

Only pages the reader may read are listed, and fiches waiting for moderation only to moderators.
"""
from flask import Blueprint, abort, render_template

from ..accounts.service import find_account
from ..models import Entry, Page, Revision
from ..moderation.revert import HASH_PREFIX
from ..rights import moderator_required, may_moderate, readable_filter
from .paging import page_number

bp = Blueprint("contributions", __name__, url_prefix="/contributions")
PER_PAGE = 50


def _listing(condition, **context):
    number = page_number()
    query = (Revision.select(Revision.id, Revision.number, Revision.title, Revision.comment,
                             Revision.author, Revision.created, Revision.action, Revision.size,
                             Revision.address_hash, Page.name, Page.kind, Page.title)
             .join(Page, on=(Revision.page == Page.id))
             .where(condition & readable_filter(Page)))
    if not may_moderate():
        query = query.where(Page.id.not_in(Entry.select(Entry.page).where(Entry.status == "pending")))
    rows = list(query.order_by(Revision.created.desc(), Revision.id.desc())
                .limit(PER_PAGE + 1).offset((number - 1) * PER_PAGE))
    return render_template("contributions/list.html", rows=rows[:PER_PAGE], number=number,
                           more=len(rows) > PER_PAGE, **context)


@bp.get("/<username>")
def account(username):
    username = username[:40].replace("\x00", "")      # PostgreSQL refuses NUL in a string
    found = find_account(username) if "@" not in username else None
    if found is None or found.status == "unconfirmed":
        abort(404)
    return _listing(Revision.account == found.id, kind="account", value=found.username,
                    person=found)


@bp.get("/pseudonyme/<path:pseudonym>")
@moderator_required
def pseudonym(pseudonym):
    pseudonym = pseudonym[:100].replace("\x00", "")
    return _listing((Revision.author == pseudonym) & Revision.account.is_null(), kind="pseudonym",
                    value=pseudonym, person=None)


@bp.get("/adresse/<prefix>")
@moderator_required
def address(prefix):
    prefix = prefix.lower()[:32]
    if not HASH_PREFIX.match(prefix):
        abort(404)
    return _listing(Revision.address_hash.startswith(prefix), kind="address", value=prefix,
                    person=None)


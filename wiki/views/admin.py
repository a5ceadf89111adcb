"""The admin's pages: signing in and out, the admin home, the moderation queue.

Who is an admin or a moderator is decided in `wiki/rights.py` only; every route here requires
one of the two roles (signing in is wiki/views/accounts.py).
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..content import pages as content
from ..content.diff import diff_lines
from ..fiches import entries
from ..moderation import held as held_edits
from ..moderation import queue
from ..audit import record
from ..moderation.held import clean_reason
from ..rights import admin_name, admin_required, moderator_required
from ..security import safe_next_url

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Extensions add their admin pages to the admin home: (endpoint, label) pairs in this list.
TOOLS_KEY = "bocage.admin_tools"


@bp.get("/connexion")
def sign_in():
    """The admin's own sign-in page before accounts: kept as a way to the one sign-in page."""
    return redirect(url_for("accounts.sign_in", next=safe_next_url(request.args.get("next"))))


@bp.get("/")
@bp.get("")            # registered first: url_for gives /admin
@moderator_required
def home():
    return render_template("admin/index.html", pending=entries.pending_count(),
                           held=held_edits.waiting_count(),
                           forms=len(entries.catalogue().forms),
                           tools=current_app.extensions.get(TOOLS_KEY, []))


@bp.get("/moderation")
@moderator_required
def moderation():
    """Everything waiting for a moderator, by source (wiki/moderation/queue.py)."""
    sections = []
    for found in queue.sources():
        try:
            items, error = list(found.items()), None
        except Exception:        # noqa: BLE001 - one broken source must not hide the others
            current_app.logger.exception("moderation source %s failed", getattr(found, "kind", "?"))
            items, error = [], _("This part of the queue could not be read: see the server's log.")
        sections.append({"kind": found.kind, "label": found.label, "items": items, "error": error})
    return render_template("admin/moderation.html", sections=sections)


def _decide(kind, item_id, approving: bool):
    found = queue.source(kind)
    reason = clean_reason(request.form.get("reason", ""))
    try:
        done = found.approve(item_id) if approving else found.reject(item_id, reason)
    except content.MergeConflict as conflict:
        if kind != "edit":
            raise
        return _conflict(item_id, conflict)
    except (content.Forbidden, content.ReadOnly) as refused:   # locked since: it waits for an admin
        flash(str(refused), "error")
        return redirect(url_for("admin.moderation"))
    if done:
        record("moderation.approve" if approving else "moderation.reject", f"{kind}:{item_id}"[:300], reason)
        flash(str(_DONE[kind][approving]) if kind in _DONE else
              (_("Approved.") if approving else _("Refused.")), "notice")
    else:
        flash(str(_GONE[kind]) if kind in _GONE else _("This item was not waiting for moderation any more."),
              "notice")
    return redirect(url_for("admin.moderation"))


_DONE = {"fiche": {True: _l("The fiche is published."),
                   False: _l("The fiche was refused and moved to the trash (it can be restored from there).")},
         "edit": {True: _l("The change is published, as its author's."),
                  False: _l("The change was refused: it will not be published.")}}
_GONE = {"fiche": _l("This fiche was not waiting for moderation."),
         "edit": _l("This change was not waiting for moderation any more.")}


def _conflict(item_id, conflict, status=409):
    held = held_edits.get(item_id)
    return render_template("admin/moderation_conflict.html", held=held, conflict=conflict,
                           title=held_edits.title_of(held),
                           rows=diff_lines(conflict.current.source, conflict.mine)), status


@bp.post("/moderation/<name>/approve")
@moderator_required
def approve(name):
    return _decide("fiche", name, True)


@bp.post("/moderation/<name>/reject")
@moderator_required
def reject(name):
    return _decide("fiche", name, False)


@bp.post("/moderation/<kind>/<item_id>/approve")
@moderator_required
def approve_item(kind, item_id):
    return _decide(kind, item_id, True)


@bp.post("/moderation/<kind>/<item_id>/reject")
@moderator_required
def reject_item(kind, item_id):
    return _decide(kind, item_id, False)


@bp.post("/moderation/edit/<item_id>/resolve")
@moderator_required
def resolve(item_id):
    """A held change that overlapped a later one, published as the moderator merged it by hand."""
    source, base = request.form.get("source", ""), request.form.get("base_revision", "")
    try:
        result = held_edits.approve(item_id, decided_by=admin_name(), source=source, base=base or None)
    except content.MergeConflict as conflict:
        return _conflict(item_id, conflict)
    if result is None:
        flash(str(_GONE["edit"]), "notice")
    else:
        held = held_edits.get(item_id)
        queue.notify(held.account, *queue.decision_text(result.page.title, True, ""))
        record("moderation.approve", f"edit:{item_id}"[:300], _("merged by the moderator"))
        flash(str(_DONE["edit"][True]), "notice")
    return redirect(url_for("admin.moderation"))

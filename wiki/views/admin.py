"""The admin's pages: signing in and out, the admin home, the moderation queue.

Who is an admin or a moderator is decided in `wiki/rights.py` only; every route here requires
one of the two roles (signing in is wiki/views/accounts.py).
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..content import pages as content
from ..fiches import entries
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
                           forms=len(entries.catalogue().forms),
                           tools=current_app.extensions.get(TOOLS_KEY, []))


@bp.get("/moderation")
@moderator_required
def moderation():
    catalogue, lang = entries.catalogue(), get_locale().language
    names = {fid: form.name_in(lang) for fid, form in catalogue.forms.items()}
    return render_template("admin/moderation.html", rows=entries.pending(), names=names)


@bp.post("/moderation/<name>/approve")
@moderator_required
def approve(name):
    content.valid_name(name)
    entries.load(name)                       # a readable 404 when there is no such fiche
    if entries.approve(name):
        flash(_("The fiche is published."), "notice")
    else:
        flash(_("This fiche was not waiting for moderation."), "notice")
    return redirect(url_for("admin.moderation"))


@bp.post("/moderation/<name>/reject")
@moderator_required
def reject(name):
    content.valid_name(name)
    entries.load(name)
    if entries.reject(name, reason=request.form.get("reason", "")[:400], author=admin_name()):
        flash(_("The fiche was refused and moved to the trash (it can be restored from there)."), "notice")
    else:
        flash(_("This fiche was not waiting for moderation."), "notice")
    return redirect(url_for("admin.moderation"))

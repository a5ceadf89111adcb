"""The admin's pages: signing in and out, the admin home, the moderation queue.

Who is an admin is decided in `wiki/rights.py` only; every route here is `admin_required` except
the sign-in page itself.
"""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..content import pages as content
from ..fiches import entries
from ..rights import admin_name, admin_required, is_admin, sign_in, sign_out
from ..security import safe_next_url

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Extensions add their admin pages to the admin home: (endpoint, label) pairs in this list.
TOOLS_KEY = "bocage.admin_tools"


@bp.get("/connexion", endpoint="sign_in")
def sign_in_form():
    return render_template("admin/signin.html", next=safe_next_url(request.args.get("next")),
                           already=is_admin())


@bp.post("/connexion")
def sign_in_post():
    target = safe_next_url(request.form.get("next"))
    ok, wait = sign_in(request.form.get("token", ""))
    if ok:
        flash(_("You are signed in as an administrator."), "notice")
        return redirect(target if target != "/" else url_for("admin.home"))
    if wait:
        error, status = _("Too many failed attempts: wait %(seconds)s seconds and try again.", seconds=wait), 429
    else:
        error, status = _("This token is not valid (or it was revoked)."), 403
    return render_template("admin/signin.html", next=target, error=error, already=False), status


@bp.post("/deconnexion")
def sign_out_post():
    sign_out()
    flash(_("You are signed out."), "notice")
    return redirect(url_for("pages.home"))


@bp.get("/")
@bp.get("")            # registered first: url_for gives /admin
@admin_required
def home():
    return render_template("admin/index.html", pending=entries.pending_count(),
                           forms=len(entries.catalogue().forms),
                           tools=current_app.extensions.get(TOOLS_KEY, []))


@bp.get("/moderation")
@admin_required
def moderation():
    catalogue, lang = entries.catalogue(), get_locale().language
    names = {fid: form.name_in(lang) for fid, form in catalogue.forms.items()}
    return render_template("admin/moderation.html", rows=entries.pending(), names=names)


@bp.post("/moderation/<name>/approve")
@admin_required
def approve(name):
    content.valid_name(name)
    entries.load(name)                       # a readable 404 when there is no such fiche
    if entries.approve(name):
        flash(_("The fiche is published."), "notice")
    else:
        flash(_("This fiche was not waiting for moderation."), "notice")
    return redirect(url_for("admin.moderation"))


@bp.post("/moderation/<name>/reject")
@admin_required
def reject(name):
    content.valid_name(name)
    entries.load(name)
    if entries.reject(name, reason=request.form.get("reason", "")[:400], author=admin_name()):
        flash(_("The fiche was refused and moved to the trash (it can be restored from there)."), "notice")
    else:
        flash(_("This fiche was not waiting for moderation."), "notice")
    return redirect(url_for("admin.moderation"))

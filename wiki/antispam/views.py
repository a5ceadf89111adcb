"""/admin/antispam: the admins' blocklist (data/blocklist.txt) and a summary of the settings."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..rights import admin_required

bp = Blueprint("antispam", __name__, url_prefix="/admin")


def _state():
    return current_app.extensions["bocage.antispam"]


@bp.get("/antispam")
@admin_required
def settings():
    state = _state()
    return render_template("admin/antispam.html", settings=state.settings, text=state.blocklist.file_text(),
                           blocklist=state.blocklist.get())


@bp.post("/antispam")
@admin_required
def save():
    from ..audit import record
    state = _state()
    text = request.form.get("blocklist", "")
    state.blocklist.save(text)
    blocklist = state.blocklist.get()
    record("antispam.blocklist", "data/blocklist.txt",
           _("%(words)s words, %(domains)s domains", words=len(blocklist.words), domains=len(blocklist.domains)))
    flash(_("The blocklist is saved: it applies to the next edits."), "notice")
    return redirect(url_for("antispam.settings"))

"""What the browser gets after a page or a fiche is saved: the same for both."""
from flask import flash, redirect, session, url_for
from flask_babel import gettext as _


def after_save(result, author: str, merged_message: str):
    """Remember the author's pseudonym for the next edit, say what happened, show the result."""
    if author.strip():
        session["author"] = author.strip()[:100]
    if result.merged:
        flash(merged_message, "notice")
    elif result.unchanged:
        flash(_("No change to save."), "notice")
    return redirect(url_for("pages.show", name=result.page.name))

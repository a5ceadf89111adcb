"""The commons of the territories we follow, as people read them (/communs): the pages and fiches
received from them and not adopted (wiki.content.provenance), newest first."""
from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from wiki.content import provenance
from wiki.models import Page, Provenance

from .models import RemoteObject

LIMIT = 200


def page():
    territory = request.args.get("territoire", "")[:300]
    query = (Provenance.select(Provenance, Page).join(Page, on=(Page.id == Provenance.page))
             .where(~Provenance.adopted & Page.deleted.is_null()))
    if territory:
        query = query.where(Provenance.source_name == territory)
    rows = list(query.order_by(Provenance.received.desc()).limit(LIMIT))
    names = [row.page.name for row in rows]
    kept = {o.page: o for o in RemoteObject.select().where(RemoteObject.page.in_(names))} if names else {}
    forms = current_app.extensions["bocage.catalogue"]
    for row in rows:
        row.remote = kept.get(row.page.name)
        form = forms.form(row.page.kind)
        row.kind_label = form.name_in(get_locale().language) if form else _("Page")
    return render_template("federation/commons.html", rows=rows, territories=provenance.territories(),
                           territory=territory)


def links():
    """Links the theme adds to its navigation (`extension_links`)."""
    return {"extension_links": [(url_for("federation.commons_page"), _("Neighbours' commons"))]}

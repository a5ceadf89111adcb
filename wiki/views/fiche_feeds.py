"""The Atom feed of a form: its latest new or changed fiches, for feed readers and other sites.

Published fiches only (not those waiting for moderation), public fields only (never a contact
e-mail). The list's filters apply (?themes=Mobilité), so a theme can be followed on its own.
"""
import json
from datetime import timezone

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..fiches import entries, plain, queries
from ..models import Page
from ..render.page import render_preview

bp = Blueprint("fiche_feeds", __name__)
LIMIT = 50


def _utc(moment):
    return moment.replace(tzinfo=timezone.utc)


def _content(form, name, values, url, lang) -> str:
    start = plain.start_of(form, values)
    fields = [(f.label_in(lang), plain.text_of(f, v, start))
              for f, v in plain.public_values(form, values, skip_types=("image", "file", "markdown"))]
    html = [render_preview(values[f.id], name) for f in form.fields_of("markdown")
            if values.get(f.id) and not f.private]
    return render_template("fiches/feed_entry.html", fields=fields, html=html, url=url)


@bp.get("/fiches/<form_id>/feed.atom")
def atom(form_id):
    form = entries.catalogue().form(form_id)
    if form is None:
        abort(404)
    instance = current_app.extensions["bocage.instance"]
    lang = get_locale().language
    filters = queries.Filters.from_args(form, request.args)
    rows = list(queries.ordered(queries.matching(form, filters), "updated")
                .select_extend(Page.created).limit(LIMIT))
    listing = url_for("fiches.listing", form_id=form.id, _external=True, **request.args.to_dict(flat=False))
    feed = FeedGenerator()
    feed.id(listing)
    feed.title(_("%(site)s: %(form)s", site=instance.name, form=form.name_in(lang)))
    feed.subtitle(form.description_in(lang) or form.name_in(lang))
    feed.author({"name": instance.name})
    feed.link(href=listing, rel="alternate")
    feed.link(href=url_for("fiche_feeds.atom", form_id=form.id, _external=True,
                           **request.args.to_dict(flat=False)), rel="self")
    feed.language(instance.language)
    feed.rights(instance.licence)
    feed.updated(_utc(rows[0].updated) if rows else None)
    for row in reversed(rows):          # feedgen puts each new entry first: newest ends on top
        values, name = json.loads(row.data), row.page.name
        url = url_for("pages.show", name=name, _external=True)
        entry = feed.add_entry()
        entry.id(url)
        entry.link(href=url)
        entry.title(row.title)
        entry.updated(_utc(row.updated))
        entry.published(_utc(row.page.created or row.updated))
        entry.content(_content(form, name, values, url, lang), type="html")
        for f in form.fields_of("multiple", "tags"):
            for value in [] if f.private else values.get(f.id) or []:
                entry.category(term=str(value))
    return Response(feed.atom_str(pretty=False), mimetype="application/atom+xml")

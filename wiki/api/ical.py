"""/api/forms/<form>/entries.ics: a form's fiches as a calendar to subscribe to (webcal://).

The same filters as the JSON list (?themes=Mobilité&commune=Redon, q=, from=, to=), so that
a theme's agenda can be followed on its own. Without `from`, the events of the last year and
later: a calendar app refetches the whole file every few hours. Public fields only, always —
calendar apps do not send tokens, and a subscription URL gets shared.
"""
import json
from datetime import timedelta

from flask import Response, current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..db import utcnow
from ..errors import error_response
from ..fiches import ical, queries
from ..models import Page
from . import bp
from .fiches import _bad_filter, _form, filters_from_request

MAX_EVENTS = 2000
DEFAULT_PAST = timedelta(days=365)


@bp.get("/forms/<form_id>/entries.ics")
def form_ical(form_id):
    found, error = _form(form_id)
    if error:
        return error
    if found.dates_field is None:
        return error_response(_("The form “%(form)s” has no dates: it has no calendar.", form=form_id[:40]), 404)
    try:
        filters = filters_from_request(found)
    except ValueError as exc:
        return _bad_filter(str(exc))
    if filters.date_from is None:
        filters.date_from = utcnow() - DEFAULT_PAST
    query = (queries.ordered(queries.matching(found, filters), "date")
             .select_extend(Page.created).limit(MAX_EVENTS))
    instance = current_app.extensions["bocage.instance"]
    lang = get_locale().language
    events = []
    for row in query:
        event = ical.vevent(found, row.page.name, row.title, json.loads(row.data),
                            url=url_for("pages.show", name=row.page.name, _external=True),
                            domain=instance.domain, updated=row.updated, created=row.page.created, lang=lang)
        if event is not None:
            events.append(event)
    name = _("%(site)s: %(form)s", site=instance.name, form=found.name_in(lang))
    body = ical.calendar(name, instance.domain, events).to_ical()
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'inline; filename="{found.id}.ics"'})

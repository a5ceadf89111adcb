"""The commons of the territories we follow, as people read them (/communs)."""
import json

from flask import render_template, request, url_for
from flask_babel import gettext as _

from .models import RemoteActor, RemoteObject

LIMIT = 200


def territories() -> dict[str, str]:
    """Origin actor id -> its name, for the origins of the kept objects."""
    origins = [o for (o,) in RemoteObject.select(RemoteObject.origin).distinct().tuples()]
    names = dict(RemoteActor.select(RemoteActor.url, RemoteActor.name).where(RemoteActor.url.in_(origins)).tuples())
    return {origin: names.get(origin) or origin for origin in origins}


def page():
    origin = request.args.get("territoire", "")
    query = RemoteObject.select().where(~RemoteObject.deleted)
    if origin:
        query = query.where(RemoteObject.origin == origin)
    rows = list(query.order_by(RemoteObject.received.desc()).limit(LIMIT))
    for row in rows:
        place = json.loads(row.document).get("location")
        row.place = place.get("name", "") if isinstance(place, dict) else ""
    return render_template("federation/commons.html", rows=rows, territories=territories(), origin=origin)


def links():
    """Links the theme adds to its navigation (`extension_links`)."""
    return {"extension_links": [(url_for("federation.commons_page"), _("Neighbours' commons"))]}

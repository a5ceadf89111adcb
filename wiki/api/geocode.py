"""/api/geocode?q=: positions for an address, for the map of the fiche form (404 when geocoding is
off). Read-only, but a request here is a request to the provider: addresses are capped at
geocoding.MAX_QUERY characters, answers are cached, and each visitor gets VISITOR_RATE a minute."""
from flask import current_app, jsonify, request
from flask_babel import gettext as _

from ..errors import error_response
from ..fiches import geocoding
from . import bp

VISITOR_RATE = 30


@bp.get("/geocode")
def geocode():
    limit = current_app.extensions.setdefault("bocage.geocode-visitors", geocoding.RateLimit(VISITOR_RATE))
    if geocoding.enabled() and not limit.allow(request.remote_addr or ""):
        return error_response(_("Too many requests: wait a moment and try again."), 429)
    query = request.args.get("q", "")
    try:
        found = geocoding.search(query)
    except geocoding.GeocodingError as exc:
        return error_response(exc.message, exc.status)
    return jsonify(query=" ".join(query.split()), results=[
        {"label": c.label, "lat": c.lat, "lon": c.lon} for c in found])

"""The JSON API (/api/...), described by the OpenAPI document at /api/openapi.json."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import fiches, geocode, ical, openapi, pages, search  # noqa: E402,F401  (routes register on bp)

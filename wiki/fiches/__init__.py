"""Fiches: structured entries (initiatives, events, places) in forms, on the page machinery.

forms.py (what a form is, loaded from TOML), fields.py (validation per field type), entries.py
(fiches as pages: their text, saving, the query columns), queries.py (lists with facets).
"""
from ..instance import InstanceError
from . import entries  # noqa: F401  (registers the query-columns hook of the content layer)
from .forms import FormError, load_catalogue


def init_app(app):
    try:
        app.extensions["bocage.catalogue"] = load_catalogue(app.extensions["bocage.instance"].path)
    except FormError as exc:
        raise InstanceError(f"forms: {exc}") from None

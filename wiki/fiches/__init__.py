"""Fiches: structured entries (initiatives, events, places) in forms, on the page machinery.

forms.py (what a form is, loaded from TOML), fields.py (validation per field type), entries.py
(fiches as pages: their text, saving, the query columns), queries.py (lists with facets).
"""
from ..instance import InstanceError
from . import entries  # noqa: F401  (registers the query-columns hook of the content layer)
from .form_files import load_into, reload_if_changed
from .forms import FormError


def init_app(app):
    try:
        load_into(app)
    except FormError as exc:
        raise InstanceError(f"forms: {exc}") from None

    @app.before_request
    def _forms_changed():
        reload_if_changed(app)      # an admin (or a hand edit) changed a form or a list

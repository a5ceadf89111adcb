"""Fiche values as plain text, for the places where HTML and links do not belong: calendar
descriptions (iCal), feed summaries. Public fields only: a private field (a contact e-mail)
never leaves the wiki this way."""
from . import display
from .forms import Form

# shown elsewhere in a calendar or a feed: the title, the dates, the place, the themes
NOT_IN_TEXT = ("dates", "recurrence", "image", "file")


def public_values(form: Form, values: dict, skip_types=NOT_IN_TEXT):
    """(field, value) of the public, non-empty fields other than the title, in the form's order."""
    for f in form.fields:
        value = values.get(f.id)
        if f.private or f.id == form.title_field or f.type in skip_types or value in (None, "", [], {}):
            continue
        yield f, value


def text_of(field, value, start: str = "") -> str:
    if field.type == "dates":
        return display.when(value)
    if field.type == "recurrence":
        return display.repeats(value, start)
    if field.type == "geo":
        return str(value.get("adresse", "")) if isinstance(value, dict) else str(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def start_of(form: Form, values: dict) -> str:
    dates = values.get(form.dates_field.id) if form.dates_field else None
    return str(dates.get("debut", "")) if isinstance(dates, dict) else ""

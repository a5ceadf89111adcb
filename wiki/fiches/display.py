"""Showing fiche values to people: dates in their language, repetitions in words, schema.org."""
import json
from datetime import date, datetime

from flask import g, url_for
from flask_babel import format_date, format_datetime, format_time, gettext as _
from markupsafe import Markup

from .webform import PRESETS, WEEKDAYS, preset_rule


def _moment(text: str):
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def when(dates: dict) -> str:
    """"Saturday 14 March 2027, 14:00 – 18:00", "14 – 16 March 2027"... in the reader's language."""
    if not dates or not dates.get("debut"):
        return ""
    start, end = _moment(dates["debut"]), _moment(dates.get("fin") or dates["debut"])
    if isinstance(start, datetime):
        if start == end:
            return _("%(day)s at %(time)s", day=format_date(start, "full"),
                     time=format_time(start, "short", rebase=False))
        if start.date() == end.date():
            return _("%(day)s, %(start)s – %(end)s", day=format_date(start, "full"),
                     start=format_time(start, "short", rebase=False), end=format_time(end, "short", rebase=False))
        return _("from %(start)s to %(end)s", start=format_datetime(start, "medium", rebase=False),
                 end=format_datetime(end, "medium", rebase=False))
    if start == end:
        return format_date(start, "full")
    return _("from %(start)s to %(end)s", start=format_date(start, "full"), end=format_date(end, "full"))


def repeats(rule: str, start: str = "") -> str:
    """A repetition in words for the presets, the rule itself otherwise."""
    if not rule:
        return ""
    base, _sep, until = rule.partition(";UNTIL=")
    try:
        first = date.fromisoformat(start[:10]) if start else None
    except ValueError:
        first = None
    names = g.get("bocage_recurrence_labels") or recurrence_labels()   # once per request
    g.bocage_recurrence_labels = names
    for preset in PRESETS[1:]:
        if first and preset_rule(preset, start) == base:
            text = names[preset]
            break
    else:
        text = _("repeats (%(rule)s)", rule=base)
    if until:
        try:
            text += " " + _("until %(day)s", day=format_date(date(int(until[:4]), int(until[4:6]),
                                                                  int(until[6:8])), "long"))
        except ValueError:
            pass
    return text


def recurrence_labels() -> dict:
    return {"": _("Does not repeat"), "weekly": _("Every week, on the same day"),
            "biweekly": _("Every two weeks, on the same day"),
            "monthly-weekday": _("Every month, on the same weekday (the 1st Saturday...)"),
            "monthly-day": _("Every month, on the same date"), "yearly": _("Every year")}


def recurrence_choice(rule: str, start: str) -> tuple[list[tuple[str, str]], str]:
    """The options of the repetition menu and the selected one (a custom rule keeps its option)."""
    options = list(recurrence_labels().items())
    for preset in PRESETS:
        if preset_rule(preset, start) == rule or preset == rule:
            return options, preset
    return options + [(rule, _("Other: %(rule)s", rule=rule))], rule


_SCHEMA = {"Organization": "Organization", "Event": "Event", "Place": "Place", "CreativeWork": "CreativeWork"}


def json_ld(form, page, values: dict, base_url: str) -> Markup:
    """schema.org data of a fiche, for search engines and other tools (public fields only)."""
    data = {"@context": "https://schema.org", "@type": _SCHEMA.get(form.schema_type, "CreativeWork"),
            "name": page.title, "url": base_url + url_for("pages.show", name=page.name)}
    for f in form.fields:
        value = values.get(f.id)
        if f.private or value in (None, "", [], {}):
            continue
        if f.type == "markdown" and "description" not in data:
            data["description"] = value[:500]
        elif f.type == "url" and "url" not in data.get("sameAs", ""):
            data["sameAs"] = value
        elif f.type == "geo":
            place = {"@type": "Place", "address": value.get("adresse", "")}
            if "lat" in value:
                place["geo"] = {"@type": "GeoCoordinates", "latitude": value["lat"], "longitude": value["lon"]}
            if form.schema_type == "Place":
                data.update({k: v for k, v in place.items() if k != "@type"})
            else:
                data["location"] = place
        elif f.type == "dates":
            data["startDate"], data["endDate"] = value.get("debut"), value.get("fin")
        elif f.type in ("multiple", "tags"):
            data.setdefault("keywords", []).extend(value)
        elif f.type == "image" and "image" not in data:
            data["image"] = base_url + url_for("attachments.serve", name=page.name, filename=value)
        elif f.type == "phone" and form.schema_type in ("Place", "Organization"):
            data["telephone"] = value
    if "keywords" in data:
        data["keywords"] = ", ".join(data["keywords"])
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))

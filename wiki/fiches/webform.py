"""Between the HTML form of a fiche and raw input (see fields.py): names of the inputs, presets.

Inputs are named `f-<field>` (`f-<field>.<part>` for composite fields), so that no field id can
collide with the form's own inputs (csrf_token, base_revision, comment...).
"""
from datetime import date

from .fields import _text

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# the repetitions people need for a territory's agenda; any other RRULE is kept as "custom"
PRESETS = ("", "weekly", "biweekly", "monthly-weekday", "monthly-day", "yearly")


def preset_rule(preset: str, start: str) -> str:
    """The RRULE of a preset, for an event starting on `start` (2027-03-16...)."""
    try:
        day = date.fromisoformat(start[:10])
    except ValueError:
        day = None
    weekday = WEEKDAYS[day.weekday()] if day else ""
    if preset == "weekly":
        return f"FREQ=WEEKLY;BYDAY={weekday}" if day else "FREQ=WEEKLY"
    if preset == "biweekly":
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}" if day else "FREQ=WEEKLY;INTERVAL=2"
    if preset == "monthly-weekday" and day:
        nth = (day.day - 1) // 7 + 1
        return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else nth}{weekday}"
    if preset == "monthly-day":
        return f"FREQ=MONTHLY;BYMONTHDAY={day.day}" if day else "FREQ=MONTHLY"
    if preset == "yearly":
        return "FREQ=YEARLY"
    return preset   # "" or a custom rule typed as it is


def raw_from_request(form, data) -> dict:
    """Raw input from a submitted form (a werkzeug MultiDict), as fields.clean_entry takes it."""
    raw = {}
    for f in form.fields:
        key = f"f-{f.id}"
        if f.type == "multiple":
            raw[f.id] = data.getlist(key)
        elif f.type == "geo":
            raw[f.id] = {part: data.get(f"{key}.{part}", "") for part in ("adresse", "lat", "lon")}
        elif f.type == "dates":
            moments = {}
            for side in ("debut", "fin"):
                day, hour = _text(data.get(f"{key}.{side}")), _text(data.get(f"{key}.{side}_heure"))
                moments[side] = f"{day}T{hour}" if day and hour else day
            raw[f.id] = {**moments, "fuseau": data.get(f"{key}.fuseau", "")}
        elif f.type == "recurrence":
            raw[f.id] = {"regle": data.get(f"{key}.regle", ""), "jusqu": data.get(f"{key}.jusqu", "")}
        else:
            raw[f.id] = data.get(key, "")
    for f in form.fields_of("recurrence"):      # presets depend on the start date
        start = next((raw[d.id].get("debut", "") for d in form.fields_of("dates")), "")
        raw[f.id]["regle"] = preset_rule(raw[f.id]["regle"], start)
    return raw


def inputs_for(form, raw: dict) -> dict:
    """What each input shows: raw input split back into the form's parts (date / time...)."""
    shown = {}
    for f in form.fields:
        value = raw.get(f.id)
        if f.type == "dates" and isinstance(value, dict):
            parts = {}
            for side in ("debut", "fin"):
                day, _, hour = str(value.get(side, "")).partition("T")
                parts[side], parts[f"{side}_heure"] = day, hour
            parts["fuseau"] = value.get("fuseau", "")
            shown[f.id] = parts
        elif f.type == "recurrence":
            rule = value.get("regle", "") if isinstance(value, dict) else str(value or "")
            until = value.get("jusqu", "") if isinstance(value, dict) else ""
            if ";UNTIL=" in rule:
                rule, _, rest = rule.partition(";UNTIL=")
                until = until or f"{rest[:4]}-{rest[4:6]}-{rest[6:8]}"
            shown[f.id] = {"regle": rule, "jusqu": until}
        elif f.type in ("multiple", "tags") and isinstance(value, list):
            shown[f.id] = value if f.type == "multiple" else ", ".join(value)
        else:
            shown[f.id] = value if value is not None else ""
    return shown

"""Validating what people type into a fiche, one function per field type.

Every way in — the HTML form, the JSON API, a CSV line — is first turned into *raw* input: a
string, a list of strings (multiple choice, tags) or a dict of strings (geo: adresse/lat/lon;
dates: debut/fin/fuseau; recurrence: regle/jusqu). `clean_entry` turns raw input into values or
gives one readable message per field; the raw input is what the form shows again on an error.

Values (stored in the revision source and in the query columns) are plain TOML-able data:
str, list[str], or a dict (geo: {adresse, lat, lon}; dates: {debut, fin, fuseau}).
"""
import re
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from flask_babel import lazy_gettext as _l

from ..names import is_valid_name
from ..render.sanitize import sanitize_text_line

DEFAULT_ZONE = "Europe/Paris"
MAX_TEXT, MAX_MARKDOWN, MAX_URL, MAX_TAGS, MAX_TAG = 300, 20_000, 2_000, 20, 50
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 .()\-]{6,25}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2})?$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+-]*:(?!\d)")   # "javascript:", "mailto:"; not "host:8080"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# frequencies a volunteer's agenda can hold; every minute would expand to millions of dates
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class FieldError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else ""
    if isinstance(raw, dict):
        raise FieldError(_l("A text was expected here."))
    return _CONTROL.sub("", str(raw)).replace("\r\n", "\n").replace("\r", "\n").strip()


def _line(raw, limit=MAX_TEXT) -> str:
    text = sanitize_text_line(" ".join(_text(raw).split()))
    if len(text) > limit:
        raise FieldError(_l("At most %(n)s characters here.", n=limit))
    return text


def clean_text(field, raw, catalogue):
    return _line(raw)


def clean_markdown(field, raw, catalogue):
    text = _text(raw)
    if len(text) > MAX_MARKDOWN:
        raise FieldError(_l("At most %(n)s characters here.", n=MAX_MARKDOWN))
    return text


def parse_date(text: str) -> date:
    if not _DATE.match(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def clean_date(field, raw, catalogue):
    text = _text(raw)
    if not text:
        return ""
    try:
        return parse_date(text).isoformat()
    except ValueError:
        raise FieldError(_l("“%(value)s” is not a date: write it as 2027-03-14.", value=text[:40])) from None


def _moment(text: str) -> str:
    """'2027-03-14' (all day) or '2027-03-14T14:00' (local time), else ValueError."""
    m = _DATETIME.match(text)
    if m:
        datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}")
        moment = f"{m.group(1)}T{m.group(2)}"
    else:
        moment = parse_date(text).isoformat()
    if not "1000" <= moment[:4] <= "9998":     # in UTC, year 1 or 9999 may leave what datetime holds
        raise ValueError(text)
    return moment


def clean_dates(field, raw, catalogue):
    raw = raw if isinstance(raw, dict) else {"debut": _text(raw)}
    start, end = _text(raw.get("debut")), _text(raw.get("fin"))
    zone = _text(raw.get("fuseau")) or DEFAULT_ZONE
    if not start and not end:
        return {}
    if not start:
        raise FieldError(_l("Give the start date too."))
    try:
        start = _moment(start)
    except ValueError:
        raise FieldError(_l("“%(value)s” is not a date: write it as 2027-03-14 or 2027-03-14T18:30.",
                            value=start[:40])) from None
    try:
        end = _moment(end) if end else start
    except ValueError:
        raise FieldError(_l("“%(value)s” is not a date: write it as 2027-03-14 or 2027-03-14T18:30.",
                            value=end[:40])) from None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):   # OSError: "Europe" is a folder, a name too long
        raise FieldError(_l("Unknown time zone “%(zone)s” (for example Europe/Paris).", zone=zone[:40])) from None
    if len(start) != len(end):          # one with a time, one without: the day of the other
        start, end = (start if "T" in start else start + "T00:00"), (end if "T" in end else end + "T23:59")
    if end < start:
        raise FieldError(_l("The event ends before it starts: check the end date."))
    return {"debut": start, "fin": end, "fuseau": zone}


def clean_recurrence(field, raw, catalogue):
    raw = raw if isinstance(raw, dict) else {"regle": _text(raw)}
    rule = _text(raw.get("regle")).upper().removeprefix("RRULE:")
    until = _text(raw.get("jusqu"))
    if not rule:
        return ""
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    interval = parts.get("INTERVAL", "1")
    if parts.get("FREQ") not in ALLOWED_FREQ or not (interval.isascii() and interval.isdigit() and int(interval) > 0):
        # INTERVAL=0 would make the agenda's expansion of the rule loop for ever
        raise FieldError(_l("This repetition is not understood: choose one in the list."))
    if until:
        try:
            parts["UNTIL"] = parse_date(until).strftime("%Y%m%d")
        except ValueError:
            raise FieldError(_l("“%(value)s” is not a date: write it as 2027-03-14.", value=until[:40])) from None
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        rrulestr(rule, dtstart=datetime(2027, 1, 1))
    except (ValueError, TypeError):
        raise FieldError(_l("This repetition is not understood: choose one in the list.")) from None
    return rule


def clean_url(field, raw, catalogue):
    text = _text(raw)
    if not text:
        return ""
    if "://" not in text and "." in text and " " not in text and not _SCHEME.match(text):
        text = "https://" + text       # people type "www.example.org"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in text or len(text) > MAX_URL:
        raise FieldError(_l("“%(value)s” is not a web address (for example https://example.org).",
                            value=text[:80]))
    return text


def clean_email(field, raw, catalogue):
    text = _text(raw)
    if text and (len(text) > 254 or not _EMAIL.match(text)):
        raise FieldError(_l("“%(value)s” is not an e-mail address (for example nom@example.org).",
                            value=text[:80]))
    return text


def clean_phone(field, raw, catalogue):
    text = _text(raw)
    if text and (not _PHONE.match(text) or not 6 <= sum(c.isdigit() for c in text) <= 15):
        raise FieldError(_l("“%(value)s” is not a phone number.", value=text[:40]))
    return text


def _coordinate(text: str, limit: float, message):
    try:
        value = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise FieldError(message) from None
    if not -limit <= value <= limit or value != value:
        raise FieldError(message)
    return round(value, 6)


def clean_geo(field, raw, catalogue):
    raw = raw if isinstance(raw, dict) else {"adresse": _text(raw)}
    address, lat, lon = _line(raw.get("adresse")), _text(raw.get("lat")), _text(raw.get("lon"))
    if bool(lat) != bool(lon):
        raise FieldError(_l("Give both the latitude and the longitude, or neither."))
    value = {"adresse": address} if address else {}
    if lat:
        value["lat"] = _coordinate(lat, 90, _l("The latitude must be a number between -90 and 90 "
                                               "(for example 47.6519)."))
        value["lon"] = _coordinate(lon, 180, _l("The longitude must be a number between -180 and 180 "
                                                "(for example -2.0847)."))
    return value


def _choose(value: str, allowed) -> str:
    folded = {v.casefold(): v for v in allowed}
    found = folded.get(value.casefold())
    if found is None:
        raise FieldError(_l("“%(value)s” is not one of the choices.", value=value[:80]))
    return found


def clean_choice(field, raw, catalogue):
    text = _line(raw)
    return _choose(text, catalogue.values(field.list)) if text else ""


def _many(raw) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.split(";")
    if not isinstance(raw, (list, tuple)):
        raise FieldError(_l("A list of values was expected here."))
    out = []
    for item in raw:
        text = _line(item)
        if text and text not in out:
            out.append(text)
    return out


def clean_multiple(field, raw, catalogue):
    allowed = catalogue.values(field.list)
    chosen = [_choose(v, allowed) for v in _many(raw)]
    return [v for v in allowed if v in chosen]          # the list's order, whatever the input's


def clean_tags(field, raw, catalogue):
    tags = _many(raw.replace(",", ";") if isinstance(raw, str) else raw)
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        raise FieldError(_l("At most %(n)s tags of %(chars)s characters each.", n=MAX_TAGS, chars=MAX_TAG))
    return tags


def clean_attachment(field, raw, catalogue):
    """The file name of one of the entry's attachments (uploads go through the attachments code)."""
    return _line(raw, 200).replace("/", "_")


def clean_entry_link(field, raw, catalogue):
    text = _line(raw)
    if text and not is_valid_name(text):
        raise FieldError(_l("“%(value)s” is not the name of a fiche.", value=text[:80]))
    return text


CLEANERS = {
    "text": clean_text, "markdown": clean_markdown, "date": clean_date, "dates": clean_dates,
    "recurrence": clean_recurrence, "image": clean_attachment, "file": clean_attachment,
    "url": clean_url, "email": clean_email, "phone": clean_phone, "geo": clean_geo,
    "choice": clean_choice, "multiple": clean_multiple, "tags": clean_tags, "entry": clean_entry_link,
}


def _open(cleaner):
    """A choice cleaner that keeps a value its list does not have (a neighbour's commune, in a
    fiche received from another wiki), as plain text; the list's spelling when it has it."""
    def clean(field, raw, catalogue):
        items = [raw] if field.type == "choice" else _many(raw)
        kept = []
        for item in items:
            try:
                kept.append(cleaner(field, item, catalogue) if field.type == "choice"
                            else cleaner(field, [item], catalogue)[0])
            except (FieldError, IndexError):
                kept.append(_line(item))
        return (kept[0] if kept else "") if field.type == "choice" else [k for k in kept if k]
    return clean


OPEN_CLEANERS = {"choice": _open(clean_choice), "multiple": _open(clean_multiple)}


def is_empty(value) -> bool:
    """Nothing typed (a position at latitude 0, longitude 0 is not empty)."""
    if isinstance(value, dict):
        return all(v in ("", None) for v in value.values())
    return value in ("", None, [])


def clean_entry(form, raw: dict, catalogue, *, received: bool = False) -> tuple[dict, dict]:
    """(values, errors): values of the fields that are valid, a message per field that is not.
    `received` (a fiche from another wiki, made with its own lists and rules): choice values not
    in the local list are kept, and only the title is required."""
    values, errors = {}, {}
    for field in form.fields:
        cleaner = (OPEN_CLEANERS.get(field.type) if received else None) or CLEANERS[field.type]
        try:
            value = cleaner(field, raw.get(field.id), catalogue)
        except FieldError as exc:
            errors[field.id] = exc.message
            continue
        if is_empty(value):
            if field.required and (not received or field.id == form.title_field):
                errors[field.id] = _l("This field is required.")
            continue
        values[field.id] = value
    return values, errors

"""Fiches as an iCalendar file (RFC 5545), for calendar apps to subscribe to a form's agenda.

One VEVENT per fiche, never one per occurrence: a weekly market is one event with its RRULE,
and the calendar app repeats it. Times keep their zone (DTSTART;TZID=Europe/Paris:...T180000,
with the VTIMEZONE), so 18:00 stays 18:00 in summer; all-day events are dates, their DTEND the
day after the last one (DTEND is exclusive). The UID is the fiche's name at the instance's
domain: stable across requests and edits, so apps update an event instead of doubling it.
"""
import re
from datetime import date, datetime, time, timedelta, timezone

from icalendar import Calendar
from icalendar import Event as VEvent
from flask_babel import gettext as _
from icalendar import vRecur

from . import agenda, plain
from .agenda_rows import rule_of
from .forms import Form

MAX_DESCRIPTION = 4000
_UNTIL = re.compile(r"(^|;)UNTIL=(\d{8})(T\d{6})?Z?(?=;|$)")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment else None


def ical_rule(event: agenda.Event) -> vRecur | None:
    """The fiche's RRULE as iCalendar wants it: with a zoned DTSTART, UNTIL must be UTC (the end
    of the last local day, so that its occurrence is kept); with an all-day one, a date."""
    rule = event.rule
    m = _UNTIL.search(rule)
    if m:
        day = datetime.strptime(m.group(2), "%Y%m%d")
        if event.all_day:
            until = m.group(2)
        else:
            local = (datetime.combine(day.date(), time(23, 59, 59)) if not m.group(3)
                     else datetime.strptime(m.group(2) + m.group(3), "%Y%m%dT%H%M%S"))
            utc = local.replace(tzinfo=agenda.zone_of(event.zone)).astimezone(timezone.utc)
            until = utc.strftime("%Y%m%dT%H%M%SZ")
        rule = rule[:m.start()] + f"{m.group(1)}UNTIL={until}" + rule[m.end():]
    try:
        return vRecur.from_ical(rule)
    except (ValueError, TypeError):
        return None


def _description(form: Form, values: dict, url: str, lang: str) -> str:
    start = plain.start_of(form, values)
    lines = []
    elsewhere = plain.NOT_IN_TEXT + ("geo", "multiple", "tags")        # LOCATION, GEO, CATEGORIES
    for f, value in plain.public_values(form, values, skip_types=elsewhere):
        text = plain.text_of(f, value, start)
        lines.append(text if f.type == "markdown"
                     else _("%(label)s: %(value)s", label=f.label_in(lang), value=text))
    body = "\n\n".join(lines)[:MAX_DESCRIPTION]
    return f"{body}\n\n{url}" if body else url


def _location(form: Form, values: dict) -> str:
    parts = []
    geo = values.get(form.geo_field.id) if form.geo_field else None
    if isinstance(geo, dict) and geo.get("adresse"):
        parts.append(str(geo["adresse"]))
    for f in form.fields_of("choice"):
        value = values.get(f.id)
        if f.list == "communes" and value and not f.private and value not in " ".join(parts):
            parts.append(str(value))
    return ", ".join(parts)


def vevent(form: Form, name: str, title: str, values: dict, *, url: str, domain: str,
           updated: datetime | None, created: datetime | None, lang: str = "fr") -> VEvent | None:
    """The VEVENT of one fiche (public fields only); None when it has no usable date."""
    event = agenda.event_of(values.get(form.dates_field.id), rule_of(form, values))
    if event is None:
        return None
    ev = VEvent()
    ev.add("uid", f"{name}@{domain}")
    ev.add("dtstamp", _utc(updated) or datetime.now(timezone.utc))
    if updated:
        ev.add("last-modified", _utc(updated))
    if created:
        ev.add("created", _utc(created))
    if event.all_day:
        ev.add("dtstart", event.start.date())
        ev.add("dtend", event.end.date() + timedelta(days=1) if event.end.date() < date.max else event.end.date())
    else:
        zone = agenda.zone_of(event.zone)
        ev.add("dtstart", event.start.replace(tzinfo=zone))
        ev.add("dtend", event.end.replace(tzinfo=zone))
    rule = ical_rule(event) if event.rule else None
    if rule is not None:
        ev.add("rrule", rule)
    ev.add("summary", title)
    ev.add("description", _description(form, values, url, lang))
    location = _location(form, values)
    if location:
        ev.add("location", location)
    geo = values.get(form.geo_field.id) if form.geo_field and not form.geo_field.private else None
    if isinstance(geo, dict) and "lat" in geo and "lon" in geo:
        ev.add("geo", (float(geo["lat"]), float(geo["lon"])))
    ev.add("url", url)
    categories = [str(v) for f in form.fields_of("multiple", "tags") if not f.private
                  for v in values.get(f.id) or []]
    if categories:
        ev.add("categories", categories)
    return ev


def calendar(name: str, domain: str, events) -> Calendar:
    """A calendar of VEVENTs, with the VTIMEZONE of every zone they use."""
    cal = Calendar()
    cal.add("prodid", f"-//Bocage//{domain}//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", agenda.DEFAULT_ZONE)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for ev in events:
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal

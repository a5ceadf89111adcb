"""The agenda of a form in the browser: what comes next, a month on a grid, what is past.

Everything is server-rendered (no JavaScript needed): a list of days, a month as a table, an
archive, each paginated by links that keep the filters (?themes=...&commune=...). The
occurrence arithmetic is wiki/fiches/agenda.py; here are only the windows and the links.
"""
from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import error_response
from ..fiches import agenda, agenda_labels, agenda_rows, display, entries, queries
from .cache import cached_view

bp = Blueprint("agenda", __name__)
DAYS, PER_PAGE = 90, 200          # the upcoming list: 90 days, 200 occurrences at most
ARCHIVE_DAYS, ARCHIVE_LIMIT = 180, 5000     # the archive: 180 days back per page
MONTH_LIMIT = 1000


def dated_form_or_404(form_id):
    form = entries.catalogue().form(form_id)
    if form is None or form.dates_field is None:
        abort(404)
    return form


def filter_args(filters: queries.Filters) -> dict:
    """The filters as query arguments, for links that keep them."""
    return filters.args()


def feed_links(form, filters) -> dict:
    args = filter_args(filters)
    ics = url_for("api.form_ical", form_id=form.id, _external=True, **args)
    return {"ics": ics, "webcal": "webcal://" + ics.split("://", 1)[1],
            "atom": url_for("fiche_feeds.atom", form_id=form.id, _external=True)}


def _bad(message):
    return error_response(message, 400)


def _annotate(form, items):
    """What each fiche shows in the agenda, worked out once per fiche rather than once per
    occurrence (a weekly market has five in a month, a busy month hundreds of occurrences)."""
    dates_id = form.dates_field.id
    for row, event in items:
        values = row.values
        where = [values[f.id] if f.type == "choice" else values[f.id].get("adresse", "")
                 for f in form.fields if f.type in ("choice", "geo") and not f.private and values.get(f.id)]
        row.where = " · ".join(w for w in where if w)
        row.repeats = display.repeats(row.recurrence, values[dates_id].get("debut", "")) if row.recurrence else ""
    return items


def _page(template, form, filters, mode, **extra):
    facets = queries.facet_counts(form, filters)
    return render_template(template, form=form, filters=filters, keep=filter_args(filters), mode=mode,
                           facets=facets, feeds=feed_links(form, filters), today=agenda.today(),
                           lang=get_locale().language, labels=agenda_labels, display=display,
                           catalogue=entries.catalogue(),
                           page_prefix=url_for("pages.show", name="x")[:-1], **extra)


@bp.get("/agenda")
def default():
    """The territory's agenda: the "agenda" form, or the first form with dates."""
    forms = entries.catalogue().forms
    form = forms.get("agenda")
    if form is None or form.dates_field is None:
        form = next((f for f in forms.values() if f.dates_field), None)
    if form is None:
        abort(404)
    return redirect(url_for("agenda.agenda", form_id=form.id, **request.args.to_dict(flat=False)))


@bp.get("/fiches/<form_id>/agenda", endpoint="agenda")
def agenda_view(form_id):
    form = dated_form_or_404(form_id)
    return cached_view(("agenda", form.id, get_locale().language), lambda: _agenda_view(form),
                       with_args=True)


def _agenda_view(form):
    filters = queries.Filters.from_args(form, request.args)
    if "mois" in request.args:
        return _month(form, filters, request.args["mois"])
    if request.args.get("passes", "0") not in ("", "0"):
        return _archive(form, filters)
    return _upcoming(form, filters)


@bp.get("/fiches/<form_id>/agenda/archives")
def archives(form_id):
    form = dated_form_or_404(form_id)
    return _archive(form, queries.Filters.from_args(form, request.args))


def _day_arg(name: str, default: date) -> date | None:
    """A ?depuis= / ?avant= day, `default` when absent, None when it is not a day."""
    text = request.args.get(name)
    return agenda.parse_day(text) if text else default


def _bad_day(name: str):
    return _bad(_("“%(value)s” is not a day: write it as 2027-03-14.", value=request.args[name][:40]))


def _upcoming(form, filters):
    first = _day_arg("depuis", agenda.today())
    if first is None:
        return _bad_day("depuis")
    last = first + timedelta(days=DAYS)
    items = _annotate(form, agenda_rows.between(form, filters, first, last))
    shown, truncated = agenda.occurrences(items, first, last, PER_PAGE)
    shown, until = agenda.cut_at_day(shown, truncated, first, last)
    later = until if truncated else agenda.next_start(agenda_rows.after(form, filters, last), last)
    if later is not None and later.year > agenda.MAX_YEAR:
        later = None
    return _page("fiches/agenda.html", form, filters, "upcoming", first=first, until=until,
                 days=agenda.by_day(shown, first, until), later=later, count=len(shown))


def _archive(form, filters):
    today = agenda.today()
    end = _day_arg("avant", today)
    if end is None:
        return _bad_day("avant")
    end = min(end, today)
    first = max(end - timedelta(days=ARCHIVE_DAYS), date(agenda.MIN_YEAR, 1, 1))
    items = _annotate(form, agenda_rows.between(form, filters, first, end))
    found, _more = agenda.occurrences(items, first, end, ARCHIVE_LIMIT)
    found = sorted((o for o in found if o.last_day < today), key=agenda.sort_key, reverse=True)
    truncated = len(found) > PER_PAGE
    shown, start = agenda.cut_at_day(found[:PER_PAGE], truncated, first, end, newest_first=True)
    if truncated:
        earlier = start
    else:
        last = agenda.last_end(agenda_rows.before(form, filters, first), first)
        earlier = last + timedelta(days=1) if last else None
    days = agenda.by_day(sorted(shown, key=agenda.sort_key), start, end)
    return _page("fiches/agenda_archive.html", form, filters, "past", first=start, end=end,
                 days=list(reversed(days)), earlier=earlier, count=len(shown))


def _month(form, filters, text):
    parsed = agenda.parse_month(text)
    if parsed is None:
        return _bad(_("“%(value)s” is not a month: write it as 2027-03 (years %(min)s to %(max)s).",
                      value=text[:40], min=agenda.MIN_YEAR, max=agenda.MAX_YEAR))
    year, number = parsed
    weeks = agenda.month_weeks(year, number)
    first, last = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    items = _annotate(form, agenda_rows.between(form, filters, first, last))
    shown, truncated = agenda.occurrences(items, first, last, MONTH_LIMIT)
    cells = dict(agenda.by_day(shown, first, last, each_day=True))
    in_month = [(day, cells[day]) for week in weeks for day in week if day.month == number and day in cells]
    return _page("fiches/agenda_month.html", form, filters, "month", year=year, number=number,
                 weeks=weeks, cells=cells, in_month=in_month, truncated=truncated,
                 previous=agenda.shift_month(year, number, -1), following=agenda.shift_month(year, number, 1))

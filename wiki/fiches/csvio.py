"""Fiches in and out as CSV: one column per field, composite fields as `field.part` columns.

    titre, lieu.adresse, lieu.lat, lieu.lon, dates.debut, dates.fin, themes, ...

Several values in one cell (themes, tags) are separated by " ; ". The same columns come out of
an export and go into an import, so a spreadsheet round-trip changes nothing. An import checks
every line first; bad lines are reported with their number and reason, and the good ones are
saved only when asked (or when there are no bad ones).
"""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..content.pages import ContentError
from ..db import refresh_statistics
from ..events import bulk_change
from .entries import catalogue, create_entries, save_entry
from .fields import clean_entry
from .forms import Form

PARTS = {"geo": ("adresse", "lat", "lon"), "dates": ("debut", "fin", "fuseau")}
MAX_LINES = 50_000
SEPARATOR = " ; "


def columns(form: Form, *, private: bool = True) -> list[str]:
    out = ["name"]
    for f in form.fields:
        if f.private and not private:
            continue
        out.extend(f"{f.id}.{p}" for p in PARTS[f.type]) if f.type in PARTS else out.append(f.id)
    return out


def export_csv(form: Form, rows, *, private: bool = False) -> str:
    """`rows`: (name, values) pairs."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = columns(form, private=private)
    writer.writerow(header)
    for name, values in rows:
        line = {"name": name}
        for f in form.fields:
            value = values.get(f.id)
            if value is None or (f.private and not private):
                continue
            if isinstance(value, dict):
                line.update({f"{f.id}.{k}": v for k, v in value.items()})
            elif isinstance(value, list):
                line[f.id] = SEPARATOR.join(value)
            else:
                line[f.id] = value
        writer.writerow([line.get(c, "") for c in header])
    return out.getvalue()


def raw_from_line(form: Form, line: dict) -> dict:
    raw = {}
    for f in form.fields:
        if f.type in PARTS:
            raw[f.id] = {p: line.get(f"{f.id}.{p}") or "" for p in PARTS[f.type]}
        elif f.type == "recurrence":
            raw[f.id] = {"regle": line.get(f.id) or ""}
        else:
            raw[f.id] = line.get(f.id) or ""
    return raw


@dataclass
class ImportReport:
    checked: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)    # (line number, reason)
    unknown_columns: list[str] = field(default_factory=list)


def _reason(errors: dict, form: Form, lang: str) -> str:
    return "; ".join(f"{form.field(k).label_in(lang) if form.field(k) else k}: {v}" for k, v in errors.items())


def read_lines(text: str):
    """Lines of a CSV text as dicts (comma or semicolon separated, as spreadsheets save them)."""
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def import_csv(form: Form, text: str, *, apply: bool, keep_going: bool = False, author: str = "import",
               lang: str = "fr", progress=None) -> ImportReport:
    """Check every line; save them if `apply` and (no bad line, or `keep_going`)."""
    report, good = ImportReport(), []
    reader = read_lines(text)
    known = set(columns(form))
    report.unknown_columns = [c for c in (reader.fieldnames or []) if c and c.strip() not in known]
    for number, line in enumerate(reader, start=2):          # line 1 is the header
        if number > MAX_LINES + 1:
            report.errors.append((number, str(_l("Too many lines: at most %(n)s at a time.", n=MAX_LINES))))
            break
        line = {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in line.items()}
        if not any(v.strip() for v in line.values()):
            continue
        report.checked += 1
        values, errors = clean_entry(form, raw_from_line(form, line), catalogue())
        if errors:
            report.errors.append((number, _reason(errors, form, lang)))
        else:
            good.append((number, line, values))
    if not apply or (report.errors and not keep_going):
        return report
    with bulk_change():
        _save_lines(form, good, report, author, progress)
    if len(good) >= 100:
        refresh_statistics()          # thousands of new rows: the query planner must know
    return report


def _save_lines(form, good, report, author, progress, chunk=200):
    """New fiches (no name given) in batches; lines naming a fiche are saved one by one (they
    may update it, and merge like any edit)."""
    fresh = [(n, line, values) for n, line, values in good if not (line.get("name") or "").strip()]
    named = [(n, line) for n, line, _values in good if (line.get("name") or "").strip()]
    comment = str(_l("CSV import"))
    for start in range(0, len(fresh), chunk):
        part = fresh[start:start + chunk]
        try:
            results = create_entries(form, [values for _n, _line, values in part], author=author, comment=comment)
        except ContentError:            # a name taken meanwhile: one by one, as named lines
            named.extend((n, line) for n, line, _values in part)
            continue
        report.created.extend(r.page.name for r in results)
        if progress:
            progress(len(part))
    for number, line in named:
        name = (line.get("name") or "").strip() or None
        try:
            result = save_entry(form, raw_from_line(form, line), name=name, base_revision=_current(name),
                                author=author, comment=comment)
        except ContentError as exc:
            report.errors.append((number, str(exc.message)))
        else:
            bucket = report.unchanged if result.unchanged else report.created if result.created else report.updated
            bucket.append(result.page.name)
        if progress:
            progress(1)


def _current(name):
    from ..models import Page
    page = Page.get_or_none(Page.name == name) if name else None
    return page.revision if page else None

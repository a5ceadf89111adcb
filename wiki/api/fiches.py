"""/api/forms and /api/entries: the forms, their fiches as JSON, GeoJSON and CSV, and writing them.

Reading needs no token; private fields (a contact e-mail...) are only given to moderators and admins (their API token). Writing
takes the same values as the HTML form, as JSON: {"values": {"titre": "...", "themes": [...],
"lieu": {"adresse": "...", "lat": 47.65, "lon": -2.08}, "dates": {"debut": "2027-03-14T18:00"}}}.
"""
import json
from datetime import datetime, timedelta

import orjson
from flask import Response, g, jsonify, request, url_for
from flask_babel import gettext as _

from ..content import pages as content
from ..db import database
from ..errors import error_response
from ..fiches import entries, queries
from ..fiches.csvio import export_csv
from ..audit import record
from ..rights import may_moderate, moderator_required, readable_forms
from . import bp
from .auth import token_required

MAX_LIMIT = 500


def _form(form_id):
    form = entries.catalogue().form(form_id)
    if form is None:
        return None, error_response(_("There is no form “%(form)s”.", form=form_id[:40]), 404)
    return form, None


def bearer_token_sent() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _can_see_private() -> bool:
    """Private fields and fiches waiting for moderation: for moderators and admins (rights.py)."""
    return may_moderate()


def _public(form, values: dict, private: bool) -> dict:
    """The values of the form's fields (a field removed from the form is no longer shown: it may
    have been a private one), private ones only with a token."""
    return {k: v for k, v in values.items() if form.field(k) and (private or not form.field(k).private)}


def _iso(dt):
    return dt.isoformat(timespec="seconds") + "Z" if dt else None


def field_json(field, lang="fr"):
    data = {"id": field.id, "type": field.type, "label": field.label_in(lang),
            "required": field.required, "private": field.private}
    if field.help_in(lang):
        data["help"] = field.help_in(lang)
    if field.list:
        data["list"], data["choices"] = field.list, list(entries.catalogue().values(field.list))
    if field.form:
        data["form"] = field.form
    return data


def form_json(form, lang="fr"):
    return {"id": form.id, "name": form.name_in(lang), "description": form.description_in(lang),
            "moderation": form.moderation, "title_field": form.title_field,
            "url": url_for("fiches.listing", form_id=form.id, _external=True),
            "entries": url_for("api.form_entries", form_id=form.id, _external=True)}


@bp.get("/forms")
def forms():
    lang = request.args.get("lang", "fr")
    return jsonify(forms=[form_json(f, lang) for f in readable_forms(entries.catalogue().forms.values())])


@bp.get("/forms/<form_id>")
def form(form_id):
    found, error = _form(form_id)
    if error:
        return error
    lang = request.args.get("lang", "fr")
    return jsonify(form_json(found, lang) | {"fields": [field_json(f, lang) for f in found.fields]})


def _day(name):
    """A date argument (2027-03-01) as UTC midnight; ValueError with the argument's name."""
    text = request.args.get(name, "")
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(name) from None


def filters_from_request(form):
    """Filters of the query string: field=value (repeatable), q=, from=, to=, bbox=w,s,e,n."""
    filters = queries.Filters.from_args(form, request.args)
    filters.date_from, to = _day("from"), _day("to")
    filters.date_to = to + timedelta(days=1) if to else None
    if request.args.get("bbox"):
        try:
            west, south, east, north = (float(x) for x in request.args["bbox"].split(","))
        except ValueError:
            raise ValueError("bbox") from None
        if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
            raise ValueError("bbox")
        filters.bbox = (west, south, east, north)
    return filters


def _form_and_filters(form_id):
    """(form, filters of the query string, None) or (None, None, an error response)."""
    found, error = _form(form_id)
    if error:
        return None, None, error
    try:
        return found, filters_from_request(found), None
    except ValueError as exc:
        return None, None, _bad_filter(str(exc))


def _bad_filter(name):
    return error_response(_("The “%(name)s” filter is not valid (dates as 2027-03-14, bbox as "
                            "west,south,east,north in degrees).", name=name), 400)


def entry_json(form, row, values, private):
    return {"name": row.page.name, "form": form.id, "title": row.title, "status": row.status,
            "url": url_for("pages.show", name=row.page.name, _external=True),
            "updated": _iso(row.updated), "values": _public(form, values, private)}


@bp.get("/forms/<form_id>/entries")
def form_entries(form_id):
    found, filters, error = _form_and_filters(form_id)
    if error:
        return error
    if request.args.get("status") == "pending":       # the moderation queue: editors only
        if not _can_see_private():
            return error_response(_("Only moderators see fiches waiting for moderation (send a "
                                    "moderator's API token)."), 403 if bearer_token_sent() else 401)
        filters.status = "pending"
    limit = max(1, min(request.args.get("limit", 100, type=int) or 100, MAX_LIMIT))
    offset = max(0, min(request.args.get("offset", 0, type=int) or 0, content.MAX_ID))
    query = queries.ordered(queries.matching(found, filters), request.args.get("sort", "title"))
    private = _can_see_private()
    return jsonify(total=query.count(), limit=limit, offset=offset, entries=[
        entry_json(found, row, json.loads(row.data), private) for row in query.limit(limit).offset(offset)])


@bp.get("/forms/<form_id>/entries.geojson")
def form_geojson(form_id):
    """All placed fiches in one response (10,000 places in well under 100 ms): the query reads
    covering indexes only, and each feature is written from a template (names are slugs; titles
    and colour values are JSON-encoded), no dict per fiche."""
    found, filters, error = _form_and_filters(form_id)
    if error:
        return error
    Entry, Page, EntryValue = queries.Entry, queries.Page, queries.EntryValue
    columns = [Page.title, Entry.lat, Entry.lon, Page.name]
    query = queries.matching(found, filters).where(Entry.lat.is_null(False))
    private = _can_see_private()
    if found.geo_field is None or (found.geo_field.private and not private):
        query = query.where(False)           # positions are private in this form
    colour = found.map_colour
    if colour and found.field(colour).private and not private:
        colour = ""
    if colour:
        colours = EntryValue.alias()
        query = query.join(colours, queries.JOIN.LEFT_OUTER, on=(
            (colours.entry == Entry.page) & (colours.field == colour)))
        columns.append(colours.value)
    commons = queries.has_commons(found)     # the territory of commons, for the popups
    if commons:
        query = queries.with_territory(query)
        columns.append(queries.Provenance.source_name)
    prefix = url_for("pages.show", name="x")[:-1]
    dumps = orjson.dumps
    head = b'{"type":"Feature","geometry":{"type":"Point","coordinates":[%r,%r]},"properties":{"name":"%s","title":%s,"url":"%s%s"'
    extra = b',' + dumps(colour) + b':%s' if colour else b''
    features = [head % (lon, lat, name.encode(), dumps(title), prefix.encode(), name.encode())
                + (extra % dumps(row[4] or "") if colour else extra)
                + (b',"territoire":' + dumps(row[-1]) if commons and row[-1] else b'') + b'}}'
                for row in database.execute(query.select(*columns)).fetchall()
                for title, lat, lon, name in (row[:4],)]
    body = b'{"type":"FeatureCollection","features":[' + b",".join(features) + b"]}"
    return Response(body, mimetype="application/geo+json")


@bp.get("/forms/<form_id>/entries.csv")
def form_csv(form_id):
    found, filters, error = _form_and_filters(form_id)
    if error:
        return error
    rows = queries.ordered(queries.matching(found, filters), "title")
    body = export_csv(found, ((r.page.name, json.loads(r.data)) for r in rows), private=_can_see_private())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{found.id}.csv"'})


def _values_from_body(form):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
        return None, None, error_response(_("Send a JSON object with “values”: the fiche's fields."), 400)
    unknown = sorted(k for k in body["values"] if form.field(k) is None)
    if unknown:
        return None, None, error_response(_("Unknown fields for this form: %(fields)s.",
                                            fields=", ".join(map(str, unknown))[:200]), 400)
    for key in ("comment", "author"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return None, None, error_response(_("“%(key)s” must be a string.", key=key), 400)
    return body["values"], body, None


def _saved(form, result, status_code):
    page, form, values, entry = entries.load(result.page.name)
    return jsonify(entry_json(form, entry, values, True) | {
        "revision": result.revision.id, "merged": result.merged}), status_code


def _write(form, values, body, name=None):
    try:
        result = entries.save_entry(form, values, name=name, base_revision=body.get("base_revision"),
                                    comment=body.get("comment") or "",
                                    author=body.get("author") or g.api_token.label)
    except entries.InvalidEntry as exc:
        return jsonify(error=str(exc.message), errors={k: str(v) for k, v in exc.errors.items()}), 400
    except content.MergeConflict as conflict:
        return jsonify(error=str(conflict.message), current_revision=conflict.current.id,
                       current=entries.from_source(conflict.current.source),
                       yours=entries.from_source(conflict.mine)), 409
    return _saved(form, result, 201 if result.created else 200)


@bp.post("/forms/<form_id>/entries")
@token_required
def create_entry(form_id):
    found, error = _form(form_id)
    if error:
        return error
    values, body, error = _values_from_body(found)
    return error or _write(found, values, body)


@bp.get("/entries/<name>")
def get_entry(name):
    content.valid_name(name)
    page, form, values, entry = entries.load(name)
    private = _can_see_private()
    if entry.status != "published" and not private:
        return error_response(_("There is no fiche “%(name)s”.", name=name), 404)
    return jsonify(entry_json(form, entry, values, private) | {"revision": page.revision})


@bp.post("/entries/<name>/approve")
@token_required                # the API is not CSRF-checked: a token, never a session cookie
@moderator_required            # publishing a waiting fiche is moderation, as in /admin/moderation
def approve_entry(name):
    content.valid_name(name)
    page, form, values, entry = entries.load(name)
    published = entries.approve(name)
    if published:
        record("moderation.approve", f"fiche:{name}"[:300], "")
    page, form, values, entry = entries.load(name)
    return jsonify(entry_json(form, entry, values, True) | {"approved": published})


@bp.put("/entries/<name>")
@token_required
def put_entry(name):
    content.valid_name(name)
    page, form, _values, _entry = entries.load(name)
    values, body, error = _values_from_body(form)
    if error:
        return error
    base = body.get("base_revision")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        return error_response(_("“base_revision” must be a revision id (an integer) or null."), 400)
    return _write(form, values, body, name=name)

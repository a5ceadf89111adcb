"""One fiche in the browser: reading it, the form to create or change it, saving.

Fiches live at /wiki/<name> like pages (wiki links, history, diff and trash are the page's);
the page views hand over to these functions when the page is a fiche.
"""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..content import attachments, provenance
from ..content import pages as content
from ..content.diff import diff_lines
from ..fiches import display, entries, geocoding, maps
from ..fiches.fields import clean_entry
from ..fiches.webform import inputs_for, raw_from_request
from ..render.page import render_preview
from .saved import after_save
from .vendor import map_assets


def _lang() -> str:
    return get_locale().language


def _markdown(form, values, name):
    return {f.id: render_preview(values[f.id], name) for f in form.fields_of("markdown") if values.get(f.id)}


def show(page):
    page, form, values, entry = entries.load(page.name)
    return render_template("fiches/entry.html", page=page, form=form, values=values, entry=entry,
                           origin=provenance.of(page),
                           lang=_lang(), html=_markdown(form, values, page.name), display=display,
                           json_ld=display.json_ld(form, page, values, request.host_url.rstrip("/")))


def _picker(form):
    """What the map under a geo field needs (map.js): Leaflet's files, and where to open it when
    no position is typed yet: the territory's fiches, as the maps open. None: no map to draw."""
    assets = map_assets() if form.geo_field else None
    if assets is None:
        return None
    return {"assets": assets, "bounds": maps.map_view(maps.mappable_forms(), MultiDict()).bounds_text}


def _form(form, *, name=None, page=None, raw=None, errors=None, base="", status=200, **extra):
    shown = inputs_for(form, raw or {})
    return render_template("fiches/edit.html", form=form, name=name, page=page, inputs=shown,
                           errors=errors or {}, base=base, lang=_lang(), display=display,
                           catalogue=entries.catalogue(), comment=extra.pop("comment", ""),
                           author=extra.pop("author", session.get("author", "")),
                           geocoding_on=geocoding.enabled(), picker=_picker(form), **extra), status


def new_form(form):
    return _form(form)


def edit_form(page):
    page, form, values, _entry = entries.load(page.name, include_deleted=True)
    raw = {k: v for k, v in entries.raw_from_values(form, values).items() if not form.field(k).private}
    return _form(form, name=page.name, page=page, raw=raw, base=page.revision)


def form_again(form, page, error):
    """The submitted form shown again as it was typed, with `error` (nothing saved: an expired
    session). `page` is the fiche being edited, None for a new one."""
    data = request.form
    return _form(form, name=page.name if page else None, page=page, raw=raw_from_request(form, data),
                 base=data.get("base_revision", ""), comment=data.get("comment", ""),
                 author=data.get("author", ""), error=error, status=400)


def _uploads(form, raw, name):
    """Files sent for the image and file fields: checked now (type, size, a real image), saved as
    the fiche's attachments once the fiche is saved; the field holds the attachment's name."""
    uploads, errors = [], {}
    for f in form.fields_of("image", "file"):
        if request.form.get(f"f-{f.id}.remove") == "1":
            raw[f.id] = ""
        upload = request.files.get(f"f-{f.id}.upload")
        if not upload or not upload.filename:
            continue
        blob = upload.read()
        try:
            attachments.check_upload(upload.filename, blob, image=f.type == "image")
        except content.ContentError as exc:
            errors[f.id] = exc.message
            continue
        raw[f.id] = attachments.next_filename(name or "", upload.filename)
        uploads.append((upload.filename, blob))
    return uploads, errors


def _geocoded(form, page, raw):
    """The form shown again as it was typed, with the position of the address of a geo field
    filled in (the "find the position" button, for browsers without JavaScript); nothing saved."""
    data = request.form
    field = form.field(data.get("geocode", ""))
    field = field if field is not None and field.type == "geo" else form.geo_field
    notes = {}
    if field is not None:
        typed = raw[field.id]
        try:
            found = geocoding.search(typed.get("adresse", ""))
        except geocoding.GeocodingError as exc:
            notes[field.id] = ("error", str(exc.message))
        else:
            if found:
                raw[field.id] = {**typed, "lat": str(found[0].lat), "lon": str(found[0].lon)}
                notes[field.id] = ("found", _("Position found: “%(label)s”. Check the latitude and "
                                              "longitude, then save.", label=found[0].label))
            else:
                notes[field.id] = ("error", _("No position found for this address. Check it, or "
                                              "type the latitude and longitude."))
        if any(upload.filename for upload in request.files.values()):
            notes[field.id] = (notes[field.id][0],
                               notes[field.id][1] + " " + _("Files must be chosen again."))
    return _form(form, name=page.name if page else None, page=page, raw=raw,
                 base=data.get("base_revision", ""), comment=data.get("comment", ""),
                 author=data.get("author", ""), geocoded=notes, typed=True)


def save(form, name=None):
    """Create (no `name`) or update a fiche from the submitted form; on any problem, the form
    comes back with what the person typed and a message next to each field concerned."""
    data = request.form
    raw = raw_from_request(form, data)
    page = content.get_page(name, include_deleted=True) if name else None
    if "geocode" in data:
        return _geocoded(form, page, raw)
    comment, author = data.get("comment", ""), data.get("author", "")
    typed = dict(raw)         # what the form shows again: never a saved private value
    if page is not None:      # private fields are not shown to visitors: empty means "keep"
        _page, _form_, saved, _entry = entries.load(name, include_deleted=True)
        for f in form.fields:
            if f.private and not raw.get(f.id) and saved.get(f.id):
                raw[f.id] = saved[f.id]
    keep = dict(name=name, page=page, raw=typed, base=data.get("base_revision", ""), comment=comment,
                author=author)
    uploads, upload_errors = _uploads(form, raw, name)
    if upload_errors:
        _values, errors = clean_entry(form, raw, entries.catalogue())
        return _form(form, **keep, errors=errors | upload_errors, status=400,
                     error=_("Some fields need a correction: see the messages next to them. "
                             "Files must be chosen again."))
    status = "pending" if form.moderation and page is None else None
    try:
        result = entries.save_entry(form, raw, name=name, base_revision=keep["base"] or None,
                                    comment=comment, author=author, status=status)
    except entries.InvalidEntry as exc:
        return _form(form, **keep, errors=exc.errors, error=exc.message, status=400)
    except content.MergeConflict as conflict:
        keep["base"] = conflict.current.id
        return _form(form, **keep, conflict=conflict, status=409,
                     conflict_diff=diff_lines(entries.public_source(form.id, conflict.current.source),
                                              entries.public_source(form.id, conflict.mine)))
    except content.ContentError as exc:
        return _form(form, **keep, error=exc.message, status=exc.status)
    for filename, blob in uploads:
        attachments.add_attachment(result.page.name, filename, blob, author=author)
    if status == "pending":
        if author.strip():
            session["author"] = author.strip()[:100]
        flash(_("Thank you! Your fiche will appear once a moderator has checked it."), "notice")
        return redirect(url_for("fiches.listing", form_id=form.id))
    return after_save(result, author, _("Someone saved this fiche while you were editing it: both "
                                        "changes were merged. Check the result."))

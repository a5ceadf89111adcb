"""The admin's editors for forms (/admin/formulaires) and lists of values (/admin/listes).

The structured editor needs no JavaScript: adding, removing and moving a field are submit
buttons that send the whole form back and show it again, changed, not yet saved. What the admin
typed is a dict shaped like the TOML file; it is checked with the rules used at start
(`forms.load_catalogue`) before anything is written, and written with `form_files.write_safely`
(atomic, the previous version kept in `.history/`). The running app then picks it up
(`form_files.reload_if_changed`).
"""
import json
import re

import tomli_w
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..fiches import entries, form_files
from ..fiches.forms import FIELD_TYPES, SCHEMA_TYPES, FormError, load_catalogue
from ..models import Entry
from ..rights import admin_required

bp = Blueprint("admin_forms", __name__, url_prefix="/admin")
FORM_TEXTS = ("name", "name_en", "description", "description_en")
FIELD_TEXTS = ("label", "label_en", "help", "help_en")
MULTILINE = ("description", "description_en", "help", "help_en")
MAX_FIELDS = 100
_ACTION = re.compile(r"^(remove|up|down)-(\d{1,3})$")


def _instance_path():
    return current_app.extensions["bocage.instance"].path


def _text(value: str, key: str) -> str:
    """Labels on one line; descriptions and help may keep line breaks. At most a few KB."""
    value = (value or "").replace("\r\n", "\n").replace("\x00", "")
    if key in MULTILINE:
        return "\n".join(" ".join(line.split()) for line in value.strip().split("\n"))[:2000]
    return " ".join(value.split())[:200]


def _tidy(data: dict) -> dict:
    """No empty keys in the file: an empty help text is no help text."""
    return {k: v for k, v in data.items() if v not in ("", None) and not k.startswith("_")}


def _saved_data(form_id: str) -> dict:
    text = form_files.current_text(_instance_path(), form_id)
    return form_files.parse_toml(text, f"forms/{form_id}.toml") if text else {}


def _with_values(form_id: str, field_id: str) -> int:
    """How many fiches of the form have a value in this field (empty values are not stored)."""
    needle = json.dumps(field_id) + ":"
    rows = Entry.select(Entry.data).where((Entry.form == form_id) & Entry.data.contains(needle)).tuples()
    return sum(1 for (data,) in rows if field_id in json.loads(data))


# -- the list of forms, a new form ---------------------------------------------------------
@bp.get("/formulaires")
@admin_required
def forms(error=None, typed=None, status=200):
    catalogue, lang = entries.catalogue(), get_locale().language
    own = {path.stem for path in (_instance_path() / "forms").glob("*.toml")} \
        if (_instance_path() / "forms").is_dir() else set()
    return render_template("admin/forms.html", forms=list(catalogue.forms.values()), own=own, lang=lang,
                           error=error, typed=typed or {}), status


@bp.post("/formulaires")
@admin_required
def create_form():
    form_id = request.form.get("id", "").strip()[:60]
    name = _text(request.form.get("name", ""), "name")
    typed = {"id": form_id, "name": name}
    if entries.catalogue().form(form_id) is not None:
        return forms(error=_("There is already a form “%(id)s”.", id=form_id), typed=typed, status=400)
    data = {"id": form_id, "name": name or form_id, "title": "titre", "moderation": False,
            "fields": [{"id": "titre", "type": "text", "label": "Titre", "label_en": "Title", "required": True}]}
    try:
        _write_form(form_id, data)
    except FormError as exc:
        return forms(error=str(exc), typed=typed, status=400)
    flash(_("The form “%(id)s” is created: add its fields.", id=form_id), "notice")
    return redirect(url_for("admin_forms.edit_form", form_id=form_id))


# -- one form ------------------------------------------------------------------------------
def _known_form(form_id: str):
    form = entries.catalogue().form(form_id)
    if form is None:
        abort(404)
    return form


@bp.get("/formulaires/<form_id>")
@admin_required
def edit_form(form_id):
    _known_form(form_id)
    data = _saved_data(form_id)
    return _editor(form_id, data)


def _editor(form_id, data, *, error=None, notice=None, toml=None, status=200):
    catalogue = entries.catalogue()
    saved = {f.id for f in catalogue.form(form_id).fields}
    return render_template(
        "admin/form_edit.html", form_id=form_id, data=data, fields=data.get("fields", []), saved=saved,
        field_types=FIELD_TYPES, schema_types=SCHEMA_TYPES, lists=sorted(catalogue.lists),
        form_ids=sorted(catalogue.forms), error=error, notice=notice, lang=get_locale().language,
        toml_open=toml is not None, toml=toml if toml is not None else form_files.current_text(_instance_path(), form_id)), status


def _from_request(form_id: str, saved: dict) -> dict:
    """The form as the admin sent it, shaped like its TOML file; keys the editor does not show
    (a label in another language...) are kept from the saved file."""
    sent = request.form
    data = {k: v for k, v in saved.items() if k != "fields"} | {"id": form_id}
    for key in FORM_TEXTS:
        data[key] = _text(sent.get(key, ""), key)
    data["moderation"] = sent.get("moderation") == "1"
    for key in ("title", "map_colour", "schema_type"):
        data[key] = sent.get(key, "").strip()[:60]
    before = {f.get("id"): f for f in saved.get("fields", []) if isinstance(f, dict)}
    fields = []
    try:
        count = min(int(sent.get("fields", "0")), MAX_FIELDS)
    except ValueError:
        count = 0
    for i in range(count):
        fid = sent.get(f"f{i}-id", "").strip()[:60]
        field = dict(before.get(fid, {})) | {"id": fid, "type": sent.get(f"f{i}-type", "text")[:20]}
        for key in FIELD_TEXTS:
            field[key] = _text(sent.get(f"f{i}-{key}", ""), key)
        for key in ("required", "private"):
            field[key] = sent.get(f"f{i}-{key}") == "1"
        for key in ("list", "form"):
            field[key] = sent.get(f"f{i}-{key}", "").strip()[:60]
        fields.append(_tidy(field))
    data["fields"] = fields
    return _tidy(data)


def _write_form(form_id: str, data: dict, text: str | None = None):
    """Check `data` with the start rules, then write it (or `text`, its TOML as typed)."""
    path = _instance_path()
    load_catalogue(path, forms_data={form_id: data})
    kept = form_files.write_safely(form_files.form_path(path, form_id), text if text is not None
                                   else tomli_w.dumps(data, multiline_strings=True))
    form_files.reload_if_changed()
    return kept


def _type_changes(form_id: str, data: dict) -> list[str]:
    """Messages for saved fields whose type changes while fiches have values in them."""
    old = entries.catalogue().form(form_id)
    out = []
    for field in data.get("fields", []):
        before = old.field(field.get("id", ""))
        if before is not None and before.type != field.get("type") and _with_values(form_id, before.id):
            out.append(_("The field “%(id)s” has values in some fiches: its type cannot change (add a new "
                         "field instead).", id=before.id))
    return out


def _removed_warning(form_id: str, data: dict) -> str | None:
    kept = {f.get("id") for f in data.get("fields", [])}
    lang = get_locale().language
    gone = [(f, n) for f in entries.catalogue().form(form_id).fields
            if f.id not in kept and (n := _with_values(form_id, f.id))]
    if not gone:
        return None
    return _("Removed fields with values: %(fields)s. Their values stay in the fiches' history but "
             "are no longer shown.", fields=", ".join(f"{f.label_in(lang)} ({n})" for f, n in gone))


@bp.post("/formulaires/<form_id>")
@admin_required
def save_form(form_id):
    _known_form(form_id)
    saved = _saved_data(form_id)
    action = request.form.get("action", "save")
    if action == "toml":
        return _save_toml(form_id)
    data = _from_request(form_id, saved)
    fields = data["fields"]
    if action == "add":
        if len(fields) < MAX_FIELDS:
            fields.append({"id": "", "type": "text"})
        return _editor(form_id, data, notice=_("A new field is at the end. Nothing is saved yet: "
                                               "press “Save” when you are done."))
    if (match := _ACTION.match(action)) and int(match.group(2)) < len(fields):
        verb, i = match.group(1), int(match.group(2))
        notice = _("Nothing is saved yet: press “Save” when you are done.")
        if verb == "remove":
            removed = fields.pop(i)
            if removed.get("id") in {f.id for f in entries.catalogue().form(form_id).fields} and \
                    (n := _with_values(form_id, removed["id"])):
                notice = ngettext("The field “%(id)s” has values in %(num)d fiche: they stay in its "
                                  "history but will no longer be shown. Nothing is saved yet: press "
                                  "“Save” to confirm.",
                                  "The field “%(id)s” has values in %(num)d fiches: they stay in their "
                                  "history but will no longer be shown. Nothing is saved yet: press "
                                  "“Save” to confirm.", n, id=removed["id"])
        elif verb == "up" and i > 0:
            fields[i - 1], fields[i] = fields[i], fields[i - 1]
        elif verb == "down" and i + 1 < len(fields):
            fields[i + 1], fields[i] = fields[i], fields[i + 1]
        return _editor(form_id, data, notice=notice)
    problems = _type_changes(form_id, data)
    if problems:
        return _editor(form_id, data, error=" ".join(problems), status=400)
    warning = _removed_warning(form_id, data)
    try:
        _write_form(form_id, data)
    except FormError as exc:
        return _editor(form_id, data, error=_("Not saved: %(problem)s", problem=str(exc)), status=400)
    flash(_("The form is saved."), "notice")
    if warning:
        flash(warning, "notice")
    return redirect(url_for("admin_forms.edit_form", form_id=form_id))


def _save_toml(form_id: str):
    text = request.form.get("toml", "").replace("\r\n", "\n")[:100_000]
    data = _saved_data(form_id)
    try:
        parsed = form_files.parse_toml(text, f"forms/{form_id}.toml")
        load_catalogue(_instance_path(), forms_data={form_id: parsed})    # its shape first
        problems = _type_changes(form_id, parsed)
        if problems:
            return _editor(form_id, data, error=" ".join(problems), toml=text, status=400)
        warning = _removed_warning(form_id, parsed)
        _write_form(form_id, parsed, text)
    except FormError as exc:
        return _editor(form_id, data, error=_("Not saved: %(problem)s", problem=str(exc)), toml=text,
                       status=400)
    flash(_("The form is saved."), "notice")
    if warning:
        flash(warning, "notice")
    return redirect(url_for("admin_forms.edit_form", form_id=form_id))


# -- lists of values -----------------------------------------------------------------------
_LIST_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def _lists_page(error=None, typed=None, status=200):
    catalogue = entries.catalogue()
    own = form_files.parse_toml(form_files.current_lists_text(_instance_path()), "lists.toml")
    return render_template("admin/lists.html", lists=[catalogue.lists[k] for k in sorted(catalogue.lists)],
                           own=set(own), error=error, typed=typed, lang=get_locale().language), status


@bp.get("/listes")
@admin_required
def lists():
    return _lists_page()


@bp.post("/listes")
@admin_required
def save_list():
    """Create or change one list: written into the instance's lists.toml (a built-in list changed
    here is copied there, and the copy wins), checked with the start rules first."""
    sent = request.form
    list_id = sent.get("id", "").strip()[:60]
    values = list(dict.fromkeys(" ".join(v.split())[:300] for v in sent.get("values", "").splitlines()))
    typed = {"id": list_id, "label": _text(sent.get("label", ""), "label"),
             "label_en": _text(sent.get("label_en", ""), "label_en"), "values": [v for v in values if v]}
    if not _LIST_ID.match(list_id):
        return _lists_page(error=_("The list id “%(id)s” must be lowercase letters, digits and hyphens, "
                                   "starting with a letter.", id=list_id), typed=typed, status=400)
    if sent.get("new") == "1" and list_id in entries.catalogue().lists:
        return _lists_page(error=_("There is already a list “%(id)s”.", id=list_id), typed=typed, status=400)
    path = _instance_path()
    data = form_files.parse_toml(form_files.current_lists_text(path), "lists.toml")
    data[list_id] = (data.get(list_id) if isinstance(data.get(list_id), dict) else {}) | _tidy(typed) | \
        {"values": typed["values"]}
    data[list_id].pop("id", None)
    try:
        load_catalogue(path, lists_data=data)
        form_files.write_safely(form_files.lists_path(path), tomli_w.dumps(data))
    except FormError as exc:
        return _lists_page(error=_("Not saved: %(problem)s", problem=str(exc)), typed=typed, status=400)
    form_files.reload_if_changed()
    flash(_("The list “%(id)s” is saved. Values taken out of it stay in the fiches that have them.",
            id=list_id), "notice")
    return redirect(url_for("admin_forms.lists") + f"#list-{list_id}")

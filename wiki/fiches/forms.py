"""Forms and reusable lists: what a fiche (entry) of each kind is made of.

The built-in forms (initiatives, agenda, lieux) and lists (themes, communes, place categories)
live in `defaults/`. An instance folder may override them or add its own: `DIR/forms/<id>.toml`
replaces the form of that id, `DIR/lists.toml` adds or replaces lists. A broken file stops the
instance at start with a message naming the file, never at the first visitor.
"""
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

DEFAULTS = Path(__file__).resolve().parent / "defaults"
FIELD_TYPES = ("text", "markdown", "date", "dates", "recurrence", "image", "file", "url", "email",
               "phone", "geo", "choice", "multiple", "tags", "entry")
SCHEMA_TYPES = ("Organization", "Event", "Place", "CreativeWork")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FORM_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class FormError(ValueError):
    """A form or list file that cannot be used; the message names the file and the problem."""


def _localised(data: dict, key: str, lang: str) -> str:
    return (data.get(f"{key}_{lang}") if lang != "fr" else None) or data.get(key, "")


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    required: bool = False
    private: bool = False            # shown to editors only (a contact e-mail...)
    list: str = ""                   # choice / multiple: the reusable list of values
    form: str = ""                   # entry: the form of the linked entries
    texts: dict = field(default_factory=dict, compare=False, hash=False)

    def label_in(self, lang: str) -> str:
        return _localised(self.texts, "label", lang) or self.id

    def help_in(self, lang: str) -> str:
        return _localised(self.texts, "help", lang)


@dataclass(frozen=True)
class Form:
    id: str
    fields: tuple[Field, ...]
    title_field: str
    moderation: bool = False         # entries from visitors wait for an editor's approval
    schema_type: str = "CreativeWork"
    map_colour: str = ""             # a choice field: one colour per value on the map
    texts: dict = field(default_factory=dict, compare=False, hash=False)
    _of_types: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def name_in(self, lang: str) -> str:
        return _localised(self.texts, "name", lang) or self.id

    def description_in(self, lang: str) -> str:
        return _localised(self.texts, "description", lang)

    def field(self, field_id: str) -> Field | None:
        return next((f for f in self.fields if f.id == field_id), None)

    def fields_of(self, *types: str) -> tuple[Field, ...]:
        """The fields of these types, in the form's order (asked thousands of times per agenda
        month: kept once computed; a Form never changes)."""
        found = self._of_types.get(types)
        if found is None:
            found = self._of_types[types] = tuple(f for f in self.fields if f.type in types)
        return found

    @property
    def geo_field(self) -> Field | None:
        return next(iter(self.fields_of("geo")), None)

    @property
    def dates_field(self) -> Field | None:
        return next(iter(self.fields_of("dates")), None)


@dataclass(frozen=True)
class ChoiceList:
    id: str
    values: tuple[str, ...]
    texts: dict = field(default_factory=dict, compare=False, hash=False)

    def label_in(self, lang: str) -> str:
        return _localised(self.texts, "label", lang) or self.id


@dataclass
class Catalogue:
    """The forms and lists of one instance."""
    forms: dict[str, Form]
    lists: dict[str, ChoiceList]

    def form(self, form_id: str) -> Form | None:
        return self.forms.get(form_id)

    def values(self, list_id: str) -> tuple[str, ...]:
        chosen = self.lists.get(list_id)
        return chosen.values if chosen else ()


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormError(f"{path}: {exc}") from None


def parse_form(data: dict, source: str = "<form>") -> Form:
    def fail(message):
        raise FormError(f"{source}: {message}")

    form_id = data.get("id", "")
    if not isinstance(form_id, str) or not _FORM_ID.match(form_id):
        fail(_("the form's id “%(id)s” must be lowercase letters, digits and hyphens, starting with a letter",
               id=str(form_id)[:60]))
    fields, seen = [], set()
    raws = data.get("fields", [])
    if not isinstance(raws, list) or not all(isinstance(raw, dict) for raw in raws):
        fail(_("`fields` must be a list of [[fields]] tables"))
    for raw in raws:
        fid, ftype = raw.get("id", ""), raw.get("type", "")
        if not isinstance(fid, str) or not _ID.match(fid) or fid in seen:
            fail(_("the field id “%(id)s” is missing, used twice, or not made of lowercase letters, digits "
                   "and _ (starting with a letter)", id=str(fid)[:60]))
        if ftype not in FIELD_TYPES:
            fail(_("field “%(id)s”: unknown type “%(type)s” (one of: %(types)s)", id=fid,
                   type=str(ftype)[:40], types=", ".join(FIELD_TYPES)))
        if ftype in ("choice", "multiple") and not raw.get("list"):
            fail(_("field “%(id)s”: a field of type %(type)s needs a list of values", id=fid, type=ftype))
        seen.add(fid)
        fields.append(Field(id=fid, type=ftype, label=str(raw.get("label", fid)),
                            required=bool(raw.get("required", False)),
                            private=bool(raw.get("private", False)), list=str(raw.get("list", "")),
                            form=str(raw.get("form", "")),
                            texts={k: str(v) for k, v in raw.items() if k.startswith(("label", "help"))}))
    title = data.get("title", "")
    if not isinstance(title, str) or title not in seen or next(f for f in fields if f.id == title).type != "text":
        fail(_("the title “%(id)s” must be one of the form's text fields", id=str(title)[:60]))
    schema_type = data.get("schema_type", "CreativeWork")
    if schema_type not in SCHEMA_TYPES:
        fail(_("schema_type “%(type)s” must be one of %(types)s", type=str(schema_type)[:40],
               types=", ".join(SCHEMA_TYPES)))
    colour = data.get("map_colour", "")
    if colour and (not isinstance(colour, str) or colour not in seen or next(f for f in fields if f.id == colour).type != "choice"):
        fail(_("map_colour “%(id)s” must be one of the form's choice fields", id=str(colour)[:60]))
    return Form(id=form_id, fields=tuple(fields), title_field=title,
                moderation=bool(data.get("moderation", False)), schema_type=schema_type,
                map_colour=colour,
                texts={k: str(v) for k, v in data.items() if k.startswith(("name", "description"))})


def _parse_lists(data: dict, source: str) -> dict[str, ChoiceList]:
    lists = {}
    for list_id, raw in data.items():
        values = raw.get("values", []) if isinstance(raw, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise FormError(f"{source}: " + _("the list “%(id)s” needs `values`, a list of non-empty texts",
                                              id=list_id))
        lists[list_id] = ChoiceList(id=list_id, values=tuple(v.strip() for v in values),
                                    texts={k: str(v) for k, v in raw.items() if k.startswith("label")})
    return lists


def form_files(instance_path: Path) -> list[Path]:
    """The form files, built-in ones first (an instance's file replaces the form of its id);
    hidden files (the editor's history and temporary files) are not forms."""
    return [path for folder in (DEFAULTS / "forms", Path(instance_path) / "forms") if folder.is_dir()
            for path in sorted(folder.glob("*.toml")) if not path.name.startswith(".")]


def load_catalogue(instance_path: Path, *, forms_data: dict | None = None,
                   lists_data: dict | None = None) -> Catalogue:
    """The built-in forms and lists, overridden by the instance folder's own.

    `forms_data` ({form id: TOML data}) and `lists_data` (the TOML data of the instance's
    lists.toml) stand for files not written yet: the admin's editor checks a change with the
    very rules applied at start before writing it.
    """
    forms = {}
    for path in form_files(instance_path):
        form = parse_form(_read(path), str(path))
        forms[form.id] = form
    for form_id, data in (forms_data or {}).items():
        form = parse_form(data, f"forms/{form_id}.toml")
        if form.id != form_id:
            raise FormError(f"forms/{form_id}.toml: " + _("the id must stay “%(id)s”", id=form_id))
        forms[form_id] = form
    lists = _parse_lists(_read(DEFAULTS / "lists.toml"), str(DEFAULTS / "lists.toml"))
    own = Path(instance_path) / "lists.toml"
    if lists_data is not None:
        lists.update(_parse_lists(lists_data, "lists.toml"))
    elif own.is_file():
        lists.update(_parse_lists(_read(own), str(own)))
    for form in forms.values():
        for f in form.fields:
            if f.list and f.list not in lists:
                raise FormError(_("form “%(form)s”, field “%(id)s”: there is no list “%(list)s” in lists.toml",
                                  form=form.id, id=f.id, list=f.list))
            if f.type == "entry" and f.form not in forms:
                raise FormError(_("form “%(form)s”, field “%(id)s”: there is no form “%(target)s” to link to",
                                  form=form.id, id=f.id, target=f.form))
    return Catalogue(forms=forms, lists=lists)

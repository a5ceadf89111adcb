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
        fail(f"id {form_id!r} must be lowercase letters, digits and hyphens")
    fields, seen = [], set()
    for raw in data.get("fields", []):
        fid, ftype = raw.get("id", ""), raw.get("type", "")
        if not isinstance(fid, str) or not _ID.match(fid) or fid in seen:
            fail(f"field id {fid!r} is missing, repeated or not lowercase letters, digits and _")
        if ftype not in FIELD_TYPES:
            fail(f"field {fid!r}: unknown type {ftype!r} (one of: {', '.join(FIELD_TYPES)})")
        if ftype in ("choice", "multiple") and not raw.get("list"):
            fail(f"field {fid!r}: a {ftype} field needs a list")
        seen.add(fid)
        fields.append(Field(id=fid, type=ftype, label=str(raw.get("label", fid)),
                            required=bool(raw.get("required", False)),
                            private=bool(raw.get("private", False)), list=str(raw.get("list", "")),
                            form=str(raw.get("form", "")),
                            texts={k: str(v) for k, v in raw.items() if k.startswith(("label", "help"))}))
    title = data.get("title", "")
    if title not in seen or next(f for f in fields if f.id == title).type != "text":
        fail(f"title {title!r} must name one of the form's text fields")
    schema_type = data.get("schema_type", "CreativeWork")
    if schema_type not in SCHEMA_TYPES:
        fail(f"schema_type {schema_type!r} must be one of {', '.join(SCHEMA_TYPES)}")
    colour = data.get("map_colour", "")
    if colour and (colour not in seen or next(f for f in fields if f.id == colour).type != "choice"):
        fail(f"map_colour {colour!r} must name one of the form's choice fields")
    return Form(id=form_id, fields=tuple(fields), title_field=title,
                moderation=bool(data.get("moderation", False)), schema_type=schema_type,
                map_colour=colour,
                texts={k: str(v) for k, v in data.items() if k.startswith(("name", "description"))})


def _parse_lists(data: dict, source: str) -> dict[str, ChoiceList]:
    lists = {}
    for list_id, raw in data.items():
        values = raw.get("values", []) if isinstance(raw, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise FormError(f"{source}: list {list_id!r} needs `values`, a list of non-empty texts")
        lists[list_id] = ChoiceList(id=list_id, values=tuple(v.strip() for v in values),
                                    texts={k: str(v) for k, v in raw.items() if k.startswith("label")})
    return lists


def load_catalogue(instance_path: Path) -> Catalogue:
    """The built-in forms and lists, overridden by the instance folder's own."""
    forms = {}
    for folder in (DEFAULTS / "forms", Path(instance_path) / "forms"):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            form = parse_form(_read(path), str(path))
            forms[form.id] = form
    lists = _parse_lists(_read(DEFAULTS / "lists.toml"), str(DEFAULTS / "lists.toml"))
    own = Path(instance_path) / "lists.toml"
    if own.is_file():
        lists.update(_parse_lists(_read(own), str(own)))
    for form in forms.values():
        for f in form.fields:
            if f.list and f.list not in lists:
                raise FormError(f"form {form.id!r}, field {f.id!r}: no list {f.list!r} in lists.toml")
            if f.type == "entry" and f.form not in forms:
                raise FormError(f"form {form.id!r}, field {f.id!r}: no form {f.form!r} to link to")
    return Catalogue(forms=forms, lists=lists)

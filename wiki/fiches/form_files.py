"""Writing form and list files from the admin's editor, and picking up changed files while running.

A file is written whole to a temporary file, then put in place with os.replace: a reader (another
worker, a start) sees the old file or the new one, never half of one. The version it replaces is
kept in a `.history/` folder next to it, so nothing an admin saves is ever lost.

Every worker compares, on each request, a stamp of the form files and lists.toml (two stat calls;
a directory listing at least once a second) with the one it loaded: the first request after a change, in any
worker, reloads the catalogue and bumps the page-view cache. The query columns of the fiches of
a form whose fields changed are rewritten once for all workers: `data/catalogue-projected` keeps
the shape of each form they were written with, which also catches a file changed while the wiki
was stopped.
"""
import hashlib
import json
import os
import secrets
import time
import tomllib
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app

from .. import events

from .forms import DEFAULTS, FormError, load_catalogue

PROJECTED_FILE = "catalogue-projected"
RECHECK_S = 1.0


def form_path(instance_path, form_id: str) -> Path:
    return Path(instance_path) / "forms" / f"{form_id}.toml"


def lists_path(instance_path) -> Path:
    return Path(instance_path) / "lists.toml"


def current_text(instance_path, form_id: str) -> str:
    """The TOML of a form as it is used: the instance's file, else the built-in one ("" if none)."""
    for path in (form_path(instance_path, form_id), DEFAULTS / "forms" / f"{form_id}.toml"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return ""


def current_lists_text(instance_path) -> str:
    path = lists_path(instance_path)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def parse_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormError(f"{source}: {exc}") from None


def write_safely(path: Path, text: str) -> Path | None:
    """Write `text` to `path` atomically; the previous version goes to `.history/` beside it.
    Returns the history file (None when there was no previous version)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if path.is_file():
        history = path.parent / ".history"
        history.mkdir(exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        kept = history / f"{path.stem}.{stamp}{path.suffix}"
        kept.write_bytes(path.read_bytes())
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return kept


# -- picking up changes ----------------------------------------------------------------------
def stamp(instance_path) -> tuple:
    """What changes when an instance's form file or lists.toml is added, removed or rewritten (the
    built-in files change only with an upgrade, that is a restart)."""
    out = []
    folder = Path(instance_path) / "forms"
    try:
        found = [e for e in os.scandir(folder) if e.name.endswith(".toml") and not e.name.startswith(".")]
    except (FileNotFoundError, NotADirectoryError):
        found = []
    for entry in sorted(found, key=lambda e: e.name):
        st = entry.stat()
        out.append((entry.name, st.st_ino, st.st_mtime_ns, st.st_size))
    try:
        st = os.stat(lists_path(instance_path))
        out.append(("lists.toml", st.st_ino, st.st_mtime_ns, st.st_size))
    except FileNotFoundError:
        pass
    return tuple(out)


def _quick_stamp(paths: tuple[str, str]) -> tuple:
    """Two stat calls: the forms folder changes when a file is added, removed or replaced (as the
    editor does); lists.toml when it is rewritten. A form file edited in place is caught by the
    full stamp, taken at least every RECHECK_S seconds."""
    out = []
    for path in paths:
        try:
            st = os.stat(path)
            out.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def projection_key(form) -> str:
    """What the query columns of a form's fiches depend on: the fields' ids, types and privacy
    (the public words), and the title field. Labels, help texts and lists do not count."""
    shape = (form.title_field, [(f.id, f.type, f.private) for f in form.fields])
    return hashlib.sha256(repr(shape).encode("utf-8")).hexdigest()[:24]


def load_into(app) -> None:
    """Load the catalogue at start, with the stamp it was loaded from; the first request checks
    that the fiches were projected with these forms (a file changed while the wiki was stopped)."""
    path = app.extensions["bocage.instance"].path
    app.extensions["bocage.catalogue_paths"] = (str(Path(path) / "forms"), str(lists_path(path)))
    app.extensions["bocage.catalogue_stamp"] = stamp(path)
    app.extensions["bocage.catalogue"] = load_catalogue(path)
    app.extensions["bocage.projection_checked"] = False


def reload_if_changed(app=None) -> bool:
    """Reload the catalogue if its files changed since this worker loaded it (True then). A
    broken file (a hand edit) keeps the running catalogue and is logged: visitors never see an
    error for it."""
    app = app or current_app._get_current_object()
    instance = app.extensions["bocage.instance"]
    quick, clock = _quick_stamp(app.extensions["bocage.catalogue_paths"]), time.monotonic()
    known = app.extensions.get("bocage.catalogue_quick")
    if known and known[0] == quick and clock - known[1] < RECHECK_S and \
            app.extensions.get("bocage.projection_checked"):
        return False
    app.extensions["bocage.catalogue_quick"] = (quick, clock)
    now = stamp(instance.path)
    if now != app.extensions.get("bocage.catalogue_stamp"):
        app.extensions["bocage.catalogue_stamp"] = now
        try:
            app.extensions["bocage.catalogue"] = load_catalogue(instance.path)
        except FormError as exc:
            app.logger.error("forms: %s (the previous forms stay in use)", exc)
            return False
        app.extensions["bocage.projection_checked"] = False
        app.extensions["bocage.viewcache"].bump()
        changed = True
    else:
        changed = False
    if not app.extensions.get("bocage.projection_checked"):
        _check_projection(app)
    return changed


def _check_projection(app) -> None:
    """Re-project the fiches of the forms whose shape differs from the one their query columns
    were written with (`data/catalogue-projected`, shared by every worker: done once per change).
    No file yet (a new instance, an upgrade): the columns are taken as they are."""
    marker = Path(app.extensions["bocage.instance"].data) / PROJECTED_FILE
    keys = {fid: projection_key(form) for fid, form in app.extensions["bocage.catalogue"].forms.items()}
    try:
        done = json.loads(marker.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        done = None
    changed = sorted(fid for fid, key in keys.items() if done is not None and done.get(fid) != key)
    if changed:
        from .entries import reproject
        reproject(changed)
    if done != keys:
        tmp = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(keys, sort_keys=True), encoding="utf-8")
        os.replace(tmp, marker)
    app.extensions["bocage.projection_checked"] = True
    if changed:
        events.forms_changed.send(app, forms=changed)



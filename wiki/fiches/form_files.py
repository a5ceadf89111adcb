"""Writing form and list files from the admin's editor, and picking up changed files while running.

A file is written whole to a temporary file, then put in place with os.replace: a reader (another
worker, a start) sees the old file or the new one, never half of one. The version it replaces is
kept in a `.history/` folder next to it, so nothing an admin saves is ever lost.

Every worker compares, on each request, a stamp of the form files and lists.toml (a directory
listing and a few stat calls) with the one it loaded: the first request after a change, in any
worker, reloads the catalogue; the page-view cache is bumped and the query columns of the fiches
of a changed form are rewritten (once: `data/catalogue-projected` says which stamp was done).
"""
import hashlib
import os
import secrets
import tomllib
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app

from .. import events

from .forms import DEFAULTS, FormError, load_catalogue

PROJECTED_FILE = "catalogue-projected"


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


def _stamp_token(value: tuple) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def load_into(app) -> None:
    """Load the catalogue at start, with the stamp it was loaded from."""
    path = app.extensions["bocage.instance"].path
    app.extensions["bocage.catalogue_stamp"] = stamp(path)
    app.extensions["bocage.catalogue"] = load_catalogue(path)


def reload_if_changed(app=None) -> bool:
    """Reload the catalogue if its files changed since this worker loaded it. A broken file (a
    hand edit) keeps the running catalogue and is logged: visitors never see an error for it."""
    app = app or current_app._get_current_object()
    instance = app.extensions["bocage.instance"]
    now = stamp(instance.path)
    if now == app.extensions.get("bocage.catalogue_stamp"):
        return False
    app.extensions["bocage.catalogue_stamp"] = now
    try:
        new = load_catalogue(instance.path)
    except FormError as exc:
        app.logger.error("forms: %s (the previous forms stay in use)", exc)
        return False
    old = app.extensions["bocage.catalogue"]
    app.extensions["bocage.catalogue"] = new
    # labels and lists do not change the query columns: types, ids, private, title... do
    changed = sorted(fid for fid in new.forms if old.forms.get(fid) != new.forms[fid])
    marker = Path(instance.data) / PROJECTED_FILE
    token = _stamp_token(now)
    if changed and _read(marker) != token:
        from .entries import reproject
        reproject(changed)
        _write_marker(marker, token)
        events.forms_changed.send(app, forms=changed)
    app.extensions["bocage.viewcache"].bump()
    return True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return ""


def _write_marker(path: Path, token: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(token, encoding="ascii")
    os.replace(tmp, path)

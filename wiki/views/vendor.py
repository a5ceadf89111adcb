"""/vendor/<path>: the few front-end library files the map needs, straight from node_modules/.

The libraries come from the npm registry through package.json (`npm ci`), never copied into the
repository, and there is no build step. Only the files of an explicit allow-list are served, so
nothing else in node_modules/ (package files, sources, scripts) can be reached. Without `npm ci`
every vendor URL is a 404, `available()` says so, and map pages stay server-rendered lists.
URLs carry the package's version (?v=1.9.4): browsers may keep a file for a week, and an upgrade
changes the URL.
"""
import json
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file, url_for

bp = Blueprint("vendor", __name__)
ROOT = Path(__file__).resolve().parents[2]
MAX_AGE = 7 * 24 * 3600
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".map": "application/json"}
FILES = {
    "leaflet/dist/leaflet.js", "leaflet/dist/leaflet.js.map", "leaflet/dist/leaflet.css",
    "leaflet.markercluster/dist/leaflet.markercluster.js",
    "leaflet.markercluster/dist/leaflet.markercluster.js.map",
    "leaflet.markercluster/dist/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
_IMAGE = re.compile(r"^leaflet/dist/images/[a-z0-9-]{1,40}\.png$")   # leaflet.css points at these
MAP_CSS = ("leaflet/dist/leaflet.css", "leaflet.markercluster/dist/MarkerCluster.css",
           "leaflet.markercluster/dist/MarkerCluster.Default.css")
MAP_JS = ("leaflet/dist/leaflet.js", "leaflet.markercluster/dist/leaflet.markercluster.js")  # in order


def node_modules() -> Path:
    return Path(current_app.config.get("BOCAGE_NODE_MODULES") or ROOT / "node_modules")


def allowed(path: str) -> bool:
    return path in FILES or bool(_IMAGE.match(path))


@bp.get("/vendor/<path:path>")
def asset(path):
    if not allowed(path):
        abort(404)
    file = node_modules() / path
    if not file.is_file():
        abort(404)
    kind = TYPES[file.suffix]
    response = send_file(file, mimetype=kind, max_age=MAX_AGE, conditional=True, etag=True)
    if kind.startswith("text/"):
        response.headers["Content-Type"] = f"{kind}; charset=utf-8"
    return response


@lru_cache(maxsize=32)
def _version(folder: str, package: str) -> str:
    try:
        return str(json.loads((Path(folder) / package / "package.json").read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return ""


def vendor_url(path: str) -> str:
    package = path.split("/", 1)[0]
    return url_for("vendor.asset", path=path, v=_version(str(node_modules()), package) or None)


def available() -> bool:
    """Whether `npm ci` was run: every file the map needs is there."""
    folder = node_modules()
    return all((folder / path).is_file() for path in MAP_CSS + MAP_JS)


def map_assets() -> dict | None:
    """The map's style sheets and scripts (scripts in loading order), or None without `npm ci`:
    map.js then has nothing to load and the page stays a list."""
    if not available():
        return None
    return {"css": [vendor_url(p) for p in MAP_CSS], "js": [vendor_url(p) for p in MAP_JS]}

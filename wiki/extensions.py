"""Extensions: packages that plug into the app and the `bocage` command without the core
importing them (federation is one).

An extension is named by a target "module:function". The targets are, in this order, without
repeats:

- the entry points of the group `bocage.extensions` (declared in an installed package's
  pyproject.toml, e.g. `federation = "federation:init_app"`);
- the `BOCAGE_EXTENSIONS` environment variable (comma-separated targets), then the app config
  key of the same name (a list): for a checkout whose installed metadata predates an extension,
  for tests, and to add one without reinstalling.

`function(app)` is called at the end of the app factory. The module may also define
`register_commands(group)` (adds commands to `bocage`) and `start_background(app)` (a service
`bocage serve` runs next to it, e.g. the delivery worker; returns a callable that stops it).
An extension that cannot be imported is logged and skipped: the wiki still starts.
"""
import importlib
import logging
import os
from importlib import metadata

GROUP = "bocage.extensions"
log = logging.getLogger(__name__)


def targets(config: dict | None = None) -> list[str]:
    found = [ep.value for ep in metadata.entry_points(group=GROUP)]
    found += [t.strip() for t in os.environ.get("BOCAGE_EXTENSIONS", "").split(",") if t.strip()]
    found += list((config or {}).get("BOCAGE_EXTENSIONS", []))
    return list(dict.fromkeys(found))


def modules(config: dict | None = None) -> list[tuple[str, object]]:
    """(target, module) of the extensions that import."""
    loaded = []
    for target in targets(config):
        try:
            loaded.append((target, importlib.import_module(target.partition(":")[0])))
        except ImportError as exc:
            log.warning("extension %s not loaded: %s", target, exc)
    return loaded


def init_app(app) -> None:
    for target, module in modules(app.config):
        getattr(module, target.partition(":")[2] or "init_app")(app)
        app.extensions.setdefault("bocage.extensions", []).append(target)


def register_commands(group) -> None:
    for _target, module in modules():
        if hasattr(module, "register_commands"):
            module.register_commands(group)


def start_background(app) -> list:
    """Start the extensions' background services for the development server; their stoppers."""
    return [module.start_background(app) for _target, module in modules(app.config)
            if hasattr(module, "start_background")]

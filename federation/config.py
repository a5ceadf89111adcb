"""The [federation] settings of instance.toml (all optional):

    [federation]
    scheme = "https"                  # "http" only for a demo or tests on 127.0.0.1
    allow_private_addresses = false   # true lets remote fetches reach loopback/private addresses (demo, tests)
    accept_follows = "auto"           # or "manual": follow requests wait for an admin
    max_inbox_kb = 256                # larger activities are refused (413)
    rate_limit_per_minute = 600       # activities accepted per remote domain and per minute
    date_window_seconds = 300         # how far a signed request's Date may be from now
    follow = []                       # handles the territory follows by itself (the demo)
    delivery_lease_seconds = 90       # a delivery claimed by a worker that died is retried after this
    inbox_processing = "deferred"     # received content kept by the worker; "inline": in the request (tests)
    hold_commons = false              # true: a new common waits in the moderation queue until approved
"""
import tomllib
from dataclasses import dataclass, field

from flask import current_app


@dataclass(frozen=True)
class Settings:
    scheme: str = "https"
    allow_private_addresses: bool = False
    accept_follows: str = "auto"
    max_inbox_kb: int = 256
    rate_limit_per_minute: int = 600
    date_window_seconds: int = 300
    follow: tuple = field(default=())
    delivery_lease_seconds: int = 90
    inbox_processing: str = "deferred"
    hold_commons: bool = False


class SettingsError(Exception):
    pass


def load(instance) -> Settings:
    raw = tomllib.loads((instance.path / "instance.toml").read_text(encoding="utf-8")).get("federation", {})
    known = {k: v for k, v in raw.items() if k in Settings.__dataclass_fields__}
    if not isinstance(known.get("follow", []), list):
        raise SettingsError("[federation] follow must be a list of @name@host handles")
    known["follow"] = tuple(known.get("follow", ()))
    settings = Settings(**known)
    if settings.scheme not in ("https", "http"):
        raise SettingsError('[federation] scheme must be "https" or "http"')
    if settings.inbox_processing not in ("deferred", "inline"):
        raise SettingsError('[federation] inbox_processing must be "deferred" or "inline"')
    if not isinstance(settings.hold_commons, bool):
        raise SettingsError("[federation] hold_commons must be true or false")
    if settings.accept_follows not in ("auto", "manual"):
        raise SettingsError('[federation] accept_follows must be "auto" or "manual"')
    return settings


def settings() -> Settings:
    return current_app.extensions["bocage.federation"].settings


def instance():
    return current_app.extensions["bocage.instance"]

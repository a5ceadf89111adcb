"""The registry of `{{actions}}` that pages can contain. Built-in ones, later the fiches
(`{{liste}}`, `{{carte}}`, `{{agenda}}`) and plugins register here with `@action(...)`."""
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from markupsafe import Markup, escape

MAX_INCLUDE_DEPTH = 3


@dataclass
class ActionContext:
    page_name: str | None      # the page being shown, None in previews of new pages
    depth: int = 0             # include nesting


class ActionError(Exception):
    """Bad parameters: shown in place of the action, in the reader's language."""


_registry: dict[str, Callable[[dict, ActionContext], str]] = {}
_names: dict[str, str] = {}    # alias -> canonical name


def action(name: str, *aliases: str):
    def register(func):
        _registry[name] = func
        for alias in (name, *aliases):
            _names[alias] = name
        return func
    return register


def registered() -> list[str]:
    return sorted(_registry)


def run_action(name: str, params: dict, ctx: ActionContext) -> Markup:
    canonical = _names.get(name.lower())
    if canonical is None:
        return _error(_("Unknown action “%(name)s”. Available actions: %(names)s.",
                        name=name, names=", ".join(registered())))
    try:
        return Markup(_registry[canonical](params, ctx))
    except ActionError as exc:
        return _error(f"{{{{{canonical}}}}} : {exc}")


def _error(message: str) -> Markup:
    return Markup('<p class="action-error">%s</p>') % escape(message)


def int_param(params: dict, key: str, default: int, lo: int = 1, hi: int = 500) -> int:
    value = params.get(key)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ActionError(_("“%(key)s” must be a whole number.", key=key)) from None
    return max(lo, min(hi, number))

"""Markdown to sanitized HTML (the part of rendering that depends only on a revision's text).

Output is cached per revision. What depends on the rest of the wiki — whether a linked page
exists, what an action shows — is filled in at view time by `wiki.render.page`.
"""
import contextvars
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock

import mistune
from markupsafe import escape
from mistune.toc import add_toc_hook, render_toc_ul

from ..names import slug, to_name
from .sanitize import sanitize
from .syntax import ACTION_PATTERN, WIKILINK_PATTERN, is_url, parse_params

PLUGINS = ["table", "strikethrough", "footnotes", "task_lists", "url", "mark", "superscript", "subscript"]
TOC_MIN_HEADINGS = 3


@dataclass
class Rendered:
    html: str                                  # sanitized; wiki links unresolved, action placeholders
    toc: str = ""                              # sanitized <ul>, empty when the page is short
    targets: set[str] = field(default_factory=set)
    actions: list[tuple[str, dict]] = field(default_factory=list)
    nonce: str = ""

    def placeholder(self, index: int) -> str:
        return f"BOCAGE-ACTION-{self.nonce}-{index}"


_current: contextvars.ContextVar[Rendered] = contextvars.ContextVar("bocage_rendering")


def _parse_wikilink(inline, m, state):
    state.append_token({"type": "wikilink", "raw": m.group("wl_label") or m.group("wl_target"),
                        "attrs": {"target": m.group("wl_target").strip()}})
    return m.end()


def _render_wikilink(renderer, text, target):
    label = escape(text.strip())
    if is_url(target):
        return f'<a href="{escape(target)}">{label}</a>'
    name = to_name(target)
    if not name:
        return label
    _current.get().targets.add(name)
    return f'<a class="wikilink" href="{renderer.wiki_base}{name}">{label}</a>'


def _parse_action(block, m, state):
    state.append_token({"type": "action", "attrs": {"name": m.group("act_name").lower(),
                                                    "params": m.group("act_params") or ""}})
    return m.end() + 1


def _render_action(renderer, name, params):
    rendered = _current.get()
    rendered.actions.append((name, parse_params(params)))
    return f'<div class="action">{rendered.placeholder(len(rendered.actions) - 1)}</div>\n'


def _wiki_syntax(md):
    md.inline.register("wikilink", WIKILINK_PATTERN, _parse_wikilink, before="link")
    md.block.register("action", ACTION_PATTERN, _parse_action, before="paragraph")
    md.renderer.register("wikilink", _render_wikilink)
    md.renderer.register("action", _render_action)


def _heading_id(token, index):
    return slug(token.get("text", ""), max_length=60) or f"section-{index + 1}"


class MarkdownRenderer:
    """One per application (the wiki base URL is baked in); safe to share between threads."""

    def __init__(self, wiki_base: str = "/wiki/", cache_size: int = 2000):
        renderer = mistune.HTMLRenderer(escape=False)
        renderer.wiki_base = wiki_base
        self._md = mistune.create_markdown(renderer=renderer, plugins=PLUGINS + [_wiki_syntax])
        add_toc_hook(self._md, min_level=2, max_level=3, heading_id=_heading_id)
        self._cache: OrderedDict[int, Rendered] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def render(self, source: str) -> Rendered:
        rendered = Rendered(html="", nonce=secrets.token_hex(8))
        token = _current.set(rendered)
        try:
            html, state = self._md.parse(source)
        finally:
            _current.reset(token)
        rendered.html = sanitize(html)
        toc_items = state.env.get("toc_items") or []
        if len(toc_items) >= TOC_MIN_HEADINGS:
            rendered.toc = sanitize(render_toc_ul(toc_items))
        return rendered

    def render_cached(self, key: int, source: str) -> Rendered:
        """Render a revision: revisions never change, so their id is a perfect cache key."""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        rendered = self.render(source)
        with self._lock:
            self._cache[key] = rendered
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rendered

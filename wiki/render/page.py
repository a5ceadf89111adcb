"""View-time rendering: resolve wiki links against existing pages and run the actions."""
import re

from flask import current_app, url_for
from markupsafe import Markup

from ..content.queries import existing_names
from .actions import ActionContext, run_action
from .markdown import Rendered

_WIKILINK_HTML = re.compile(r'<a class="wikilink" href="([^"]*/)([a-z0-9-]+)">([^<]*)</a>')


def _resolve_links(rendered: Rendered) -> str:
    if not rendered.targets:
        return rendered.html
    existing = existing_names(rendered.targets)

    def mark(m):
        if m.group(2) in existing:
            return m.group(0)
        href = url_for("pages.edit", name=m.group(2), title=Markup(m.group(3)).unescape())
        return (f'<a class="wikilink missing" href="{Markup.escape(href)}" rel="nofollow">'
                f'{m.group(3)}</a>')

    return _WIKILINK_HTML.sub(mark, rendered.html)


def render_rendered(rendered: Rendered, ctx: ActionContext) -> Markup:
    html = _resolve_links(rendered)
    for index, (name, params) in enumerate(rendered.actions):
        html = html.replace(rendered.placeholder(index), run_action(name, params, ctx), 1)
    return Markup(html)


def render_page(revision, ctx: ActionContext, *, without_title: bool = False) -> Markup:
    """A revision's HTML as shown to readers now (`without_title`: minus its `# Title` line, for includes)."""
    source, key = revision.source, revision.id
    if without_title and source.startswith("# "):
        source, key = source.partition("\n")[2], -revision.id
    rendered = current_app.extensions["bocage.markdown"].render_cached(key, source)
    return render_rendered(rendered, ctx)


def page_toc(revision) -> Markup:
    rendered = current_app.extensions["bocage.markdown"].render_cached(revision.id, revision.source)
    return Markup(rendered.toc)


def render_preview(source: str, page_name: str | None) -> Markup:
    rendered = current_app.extensions["bocage.markdown"].render(source)
    return render_rendered(rendered, ActionContext(page_name=page_name))

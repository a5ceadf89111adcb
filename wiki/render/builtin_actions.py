"""The actions every wiki has: recent changes, page index, backlinks, include, table of contents."""
from flask import render_template
from flask_babel import gettext as _

from ..content import queries
from ..names import to_name
from ..rights import readable_page
from .actions import MAX_INCLUDE_DEPTH, ActionContext, ActionError, action, int_param


@action("recentchanges", "modifications", "changements")
def recent_changes(params: dict, ctx: ActionContext) -> str:
    limit = int_param(params, "limit", 10, hi=100)
    return render_template("actions/recentchanges.html", changes=list(queries.recent_changes(limit)))


@action("pageindex", "index", "listepages")
def page_index(params: dict, ctx: ActionContext) -> str:
    return render_template("actions/pagelist.html", pages=list(queries.page_index()))


@action("backlinks", "retroliens")
def backlinks(params: dict, ctx: ActionContext) -> str:
    name = to_name(params.get("page", "")) or ctx.page_name
    if not name:
        return ""
    return render_template("actions/pagelist.html", pages=list(queries.backlinks(name)),
                           empty=_("No page links here yet."))


@action("include", "inclure")
def include(params: dict, ctx: ActionContext) -> str:
    from .page import render_page   # late import: include renders pages recursively
    name = to_name(params.get("page", ""))
    if not name:
        raise ActionError(_("say which page to include, e.g. page=\"accueil\"."))
    if name == ctx.page_name or ctx.depth >= MAX_INCLUDE_DEPTH:
        raise ActionError(_("a page cannot include itself or nest includes this deep."))
    found = queries.page_with_revision(name)
    if found is None or found.deleted or not readable_page(found.name, found.kind):
        raise ActionError(_("there is no page “%(name)s”.", name=name))
    body = render_page(found.current, ActionContext(page_name=name, depth=ctx.depth + 1),
                       without_title=True)
    return render_template("actions/include.html", page=found, body=body)


@action("toc", "sommaire")
def toc(params: dict, ctx: ActionContext) -> str:
    """The table of contents is shown automatically on long pages; this action is accepted for
    compatibility with imported pages and renders nothing more."""
    return ""



"""Read rights on every route, checked once before the view runs (wiki/rights.py decides).

- A private instance (its read rule is not "all") shows strangers the sign-in page (HTML) or a 401
  (JSON), and people without the right a 403; only signing in, the language switch and static
  files stay open. Federation is closed too (404): a private wiki publishes nothing.
- A route about one page or fiche (`/wiki/<name>...`, `/api/pages/<name>...`,
  `/api/entries/<name>...`) or one form (`/fiches/<form_id>...`, `/api/forms/<form_id>...`)
  answers 404 — exactly as for a page that does not exist — to those who may not read it, so that
  the existence of a private page does not leak. Lists, search, feeds and actions filter their
  rows instead (rights.hidden / rights.readable_filter).

With no access rule at all (the usual wiki) this costs one dictionary look-up and no query.
"""
from flask import current_app, render_template, request
from flask_babel import gettext as _

from .. import rights
from ..errors import error_response
from ..models import Page

OPEN_ENDPOINTS = {"static", "vendor.asset", "special.set_language", "admin.sign_in"}
OPEN_BLUEPRINTS = {"accounts", "parties", "party", "signup"}   # signing in, up, joining a party
PAGE_PREFIXES = ("/wiki/<name>", "/api/pages/<name>", "/api/entries/<name>")
FORM_PREFIXES = ("/fiches/<form_id>", "/api/forms/<form_id>")
FEDERATION_PATHS = ("/ap/", "/.well-known/", "/nodeinfo/")


def _asks_activity() -> bool:
    accept = request.headers.get("Accept", "")
    return "activity+json" in accept or "ld+json" in accept


KINDS_KEPT = 20_000            # name -> kind of pages that exist, per app (one database each)


def page_kind(name: str, rules: dict | None = None) -> str:
    """A page's kind, needed only when some form has a rule and the page has none of its own.

    Kept per process once the page exists: a page's kind never changes (content.pages sets it when
    the page is created; pages are trashed, never purged), and a page view from the page-view
    cache then makes no query. A name with no page is not kept: it may become a fiche."""
    rules = rights._rules() if rules is None else rules
    if f"page:{name}" in rules or not any(t.startswith("form:") for t in rules):
        return "page"
    kinds = current_app.extensions.setdefault("bocage.page_kinds", {})
    kind = kinds.get(name)
    if kind is None:
        row = Page.select(Page.kind).where(Page.name == name).first()
        if row is None:
            return "page"
        if len(kinds) >= KINDS_KEPT:
            kinds.clear()
        kind = kinds[name] = row.kind
    return kind


def _kind_for_reading(name: str, rules: dict) -> str:
    """The kind as far as reading goes: a form rule that lets everyone read works as the wiki's
    own rule, so the kind is looked up only when some form's rule closes reading."""
    if any(t.startswith("form:") and rule[0] != "all" for t, rule in rules.items()):
        return page_kind(name, rules)
    return "page"


def not_found_page(name: str):
    """What a page nobody may read looks like: a page that does not exist."""
    if request.path.startswith("/api/"):
        return error_response(_("There is no page “%(name)s”.", name=name), 404)
    if request.endpoint == "pages.show":
        from ..content import queries
        from ..names import title_from_name
        return render_template("page/missing.html", name=name, title=title_from_name(name),
                               backlinks=list(queries.backlinks(name))), 404
    return error_response(_("There is no page “%(name)s”.", name=name), 404)


def _private_instance():
    if request.endpoint in OPEN_ENDPOINTS or (request.blueprint or "") in OPEN_BLUEPRINTS:
        return None
    if request.path.startswith(FEDERATION_PATHS) or _asks_activity():
        return error_response(_("This address does not lead to anything here."), 404)
    return rights._refuse(rights.current_person())


def check_read():
    """before_request: None lets the view answer."""
    rules = rights._rules()
    if not rules or request.url_rule is None:
        return None
    if not rights.instance_readable():       # no look at the person when the wiki is open
        return _private_instance()
    rule, args = request.url_rule.rule, request.view_args or {}
    if "name" in args and rule.startswith(PAGE_PREFIXES):
        name = args["name"]
        if not rights.may_read(name, _kind_for_reading(name, rules)):
            return not_found_page(name)
    if "form_id" in args and rule.startswith(FORM_PREFIXES):
        if not rights.form_readable(args["form_id"]):
            return error_response(_("This address does not lead to anything here."), 404)
    return None


def init_app(app):
    app.before_request(check_read)

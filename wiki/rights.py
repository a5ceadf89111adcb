"""Who may do what: the one place that decides it, for HTML and JSON routes alike.

A request is made by a `Person`: an account signed in (session cookie) or sending one of its API
tokens (`Authorization: Bearer`), a participant of a running wiki party (a pseudonym in the
session), or a visitor. Roles grow: editor < moderator < admin, and admins may do everything.

What a person may read and edit is set by access rules (`AccessRule`): one for the instance, and
one per page (`page:<name>`) or form (`form:<id>`) where admins set it. The most specific rule
wins: the page's, else its form's (fiches), else the instance's. A rule is one of

    all          everyone, visitors included (anonymous edits: a pseudonym and an address hash)
    signed_in    accounts (and, for editing, participants of a running wiki party)
    group:NAME   the members of a group
    moderators   moderators and admins
    admins       admins only ("locked" pages: statuts, charters, the home page)

Rules are kept in memory by each process and read again when `data/rights.stamp` changes (any
process that changes a rule touches it): checking a right costs no query.

Writes are also checked where they happen: the content layer calls `check_write` (registered as
its write guard) before every save, restore, revert, merge, import, upload and delete made in a
request, so no route can change a locked page by forgetting a check. Outside requests (the CLI,
the delivery worker) and on the receiving path of federation, writes are the instance's own.

Routes that need a role say so with admin_required, moderator_required or sign_in_required, which
mark the view with `required_role` ("admin", "moderator", "signed_in"). Menus read it through
`may_visit(endpoint)` (no link to a 403), and tests/test_rights_routes.py walks the url_map with
it: every route is either in its short list of public endpoints or asks a role.
"""
import functools
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from flask import abort, current_app, g, has_request_context, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .accounts.models import ROLES, AccessRule, Account, Group, Membership
from .content.pages import Forbidden
from .errors import wants_json
from .security import safe_next_url

SESSION_ACCOUNT = "account"        # (account id, session_key)
SESSION_PARTY = "party"            # (party id, pseudonym): set by wiki/parties when joining
RULES = ("all", "signed_in", "moderators", "admins")      # and "group:<name>"
INSTANCE = "instance"


@dataclass(frozen=True)
class Person:
    account_id: int | None = None
    username: str = ""
    role: str = ""                              # "", editor, moderator, admin
    groups: frozenset = field(default_factory=frozenset)   # group names
    party_id: int | None = None                 # a running wiki party they joined
    pseudonym: str = ""
    token_id: int | None = None                 # when the request came with an API token

    @property
    def signed_in(self) -> bool:
        return self.account_id is not None

    def has_role(self, role: str) -> bool:
        return bool(self.role) and ROLES.index(self.role) >= ROLES.index(role)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def is_moderator(self) -> bool:
        return self.has_role("moderator")

    @property
    def name(self) -> str:
        """How their edits are signed: the username, else the party pseudonym ("" for visitors)."""
        return self.username or self.pseudonym


VISITOR = Person()


# -- who is asking ---------------------------------------------------------------------------
def current_person() -> Person:
    """The person making this request (VISITOR outside requests' accounts); cached per request."""
    if not has_request_context():
        return VISITOR
    if "bocage_person" not in g:
        g.bocage_person = _find_person()
    return g.bocage_person


def _find_person() -> Person:
    from .accounts.tokens import check_token       # accounts import rights for their checks
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        found = check_token(token.strip())
        if found is not None and found.account:
            account = Account.get_or_none(Account.id == found.account)
            if account is not None and account.status == "active":
                return person_of(account, token_id=found.id)
        return VISITOR
    stored = session.get(SESSION_ACCOUNT)
    if stored:
        account = Account.get_or_none(Account.id == stored[0])
        if account is None or account.status != "active" or account.session_key != stored[1]:
            session.clear()               # disabled, deleted, or its password changed since
            return VISITOR
        return person_of(account)
    party = session.get(SESSION_PARTY)
    if party:
        check = current_app.extensions.get("bocage.party_running")
        if check is None or check(party[0]):
            return Person(party_id=party[0], pseudonym=party[1])
        session.pop(SESSION_PARTY, None)       # the party is over
    return VISITOR


def person_of(account: Account, token_id=None) -> Person:
    """The Person an account is (its role and groups), e.g. to ask whether it may read a page."""
    groups = (Group.select(Group.name).join(Membership).where(Membership.account == account.id))
    return Person(account_id=account.id, username=account.username, role=account.role,
                  groups=frozenset(row.name for row in groups), token_id=token_id)


def forget_person() -> None:
    """After signing in or out within a request."""
    g.pop("bocage_person", None)
    g.pop("bocage_hidden", None)


def bearer_token():
    """The valid API token sent with this request, if any (its account's rights apply)."""
    from .accounts.tokens import check_token
    if "bocage_bearer" not in g:
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        g.bocage_bearer = check_token(token.strip()) if scheme.lower() == "bearer" else None
    return g.bocage_bearer


def address_hash() -> str:
    """A salted hash of the visitor's address: enough to undo every edit made from it, never the
    address itself. The salt is the instance's secret key (kept in data/secrets.toml)."""
    if not has_request_context():
        return ""
    salt = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(salt, (request.remote_addr or "?").encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# -- the rules -------------------------------------------------------------------------------
class _Rules:
    """Every AccessRule row, read again when the stamp file changes (another process wrote)."""

    def __init__(self, stamp_path):
        self.stamp_path = stamp_path
        self.stamp = None
        self.rules: dict[str, tuple[str, str]] = {}

    def get(self) -> dict[str, tuple[str, str]]:
        try:
            stamp = os.stat(self.stamp_path).st_mtime_ns
        except FileNotFoundError:
            stamp = 0
        if stamp != self.stamp:
            self.rules = {row.target: (row.read, row.edit) for row in AccessRule.select()}
            self.stamp = stamp
        return self.rules


def _rules() -> dict[str, tuple[str, str]]:
    """The rules, looked at once per request (a list page asks for each of its pages)."""
    if has_request_context() and "bocage_rules" in g:
        return g.bocage_rules
    holder = current_app.extensions.get("bocage.rules")
    if holder is None:
        instance = current_app.extensions["bocage.instance"]
        holder = current_app.extensions["bocage.rules"] = _Rules(instance.data / "rights.stamp")
    rules = holder.get()
    if has_request_context():
        g.bocage_rules = rules
    return rules


def rules_changed() -> None:
    """Call after changing AccessRule rows: every process reads them again at its next request,
    and cached page views are dropped."""
    instance = current_app.extensions["bocage.instance"]
    stamp = instance.data / "rights.stamp"
    stamp.touch()
    os.utime(stamp)
    current_app.extensions.pop("bocage.rules", None)
    if has_request_context():
        g.pop("bocage_rules", None)
    current_app.extensions["bocage.viewcache"].bump()      # every worker drops its cached views


def instance_rule() -> tuple[str, str]:
    return _rules().get(INSTANCE, ("all", "all"))


def rule_for(name: str, kind: str = "page", *, which: int) -> str:
    """The rule that applies to page `name` (a fiche's `kind` is its form id): 0 read, 1 edit."""
    rules = _rules()
    if not rules:
        return "all"
    found = rules.get(f"page:{name}") or (rules.get(f"form:{kind}") if kind != "page" else None)
    if found is None:
        found = rules.get(INSTANCE, ("all", "all"))
    return found[which]


def allows(rule: str, person: Person, *, editing: bool = False) -> bool:
    if rule == "all" or person.is_admin:
        return True
    if rule == "signed_in":
        return person.signed_in or (editing and person.party_id is not None)
    if rule == "moderators":
        return person.is_moderator
    if rule.startswith("group:"):
        return rule[6:] in person.groups
    return False                                # "admins", or a rule we do not know: closed


def may_read(name: str, kind: str = "page", person: Person | None = None) -> bool:
    page_rule, wiki_rule = rule_for(name, kind, which=0), instance_rule()[0]
    if page_rule == wiki_rule == "all":
        return True                  # who is asking does not matter (no session or token read)
    person = person or current_person()
    return allows(page_rule, person) and allows(wiki_rule, person)


def may_edit(name: str, kind: str = "page", person: Person | None = None) -> bool:
    person = person or current_person()
    return may_read(name, kind, person) and allows(rule_for(name, kind, which=1), person, editing=True)


def unreadable(person: Person | None = None) -> tuple[set[str], set[str]]:
    """(page names, form ids) this person may not read: what lists, search, feeds, backlinks,
    the API and federation leave out. Both empty when every rule is "all" (the usual case)."""
    person = person or current_person()
    names, forms = set(), set()
    for target, (read, _edit) in _rules().items():
        if target == INSTANCE or allows(read, person):
            continue
        kind, _sep, value = target.partition(":")
        (names if kind == "page" else forms).add(value)
    return names, forms


def readable_filter(page_model, person: Person | None = None):
    """A peewee condition on `page_model` keeping the pages this person may read."""
    names, forms = unreadable(person)
    condition = True
    if names:
        condition = ~page_model.name.in_(sorted(names))
    if forms:
        condition = (~page_model.kind.in_(sorted(forms))) & condition
    return condition


def any_rule() -> bool:
    """Whether some access rule is set at all (no query: the rules are in memory). When not, every
    read check below is skipped: the usual wiki, where everyone reads everything."""
    return bool(_rules())


def instance_readable(person: Person | None = None) -> bool:
    """Whether this person may read the wiki at all (a private instance: read "signed_in")."""
    rule = instance_rule()[0]
    return rule == "all" or allows(rule, person or current_person())


def form_readable(form_id: str, person: Person | None = None) -> bool:
    """Whether this person may read the fiches of form `form_id` as a whole (its list, map, agenda)."""
    rules = _rules()
    if not rules:
        return True
    person = person or current_person()
    found = rules.get(f"form:{form_id}")
    return allows(instance_rule()[0], person) and (found is None or allows(found[0], person))


def readable_forms(forms, person: Person | None = None) -> list:
    """The forms (objects with an `id`) whose fiches this person may read as a whole; all of them
    outside requests and when no rule is set."""
    forms = list(forms)
    if not _rules() or (person is None and not has_request_context()):
        return forms
    return [f for f in forms if form_readable(f.id, person)]


def hidden(person: Person | None = None) -> tuple[frozenset, frozenset]:
    """`unreadable()` as frozen sets, computed once per request for the current person."""
    if not has_request_context() and person is None:
        return frozenset(), frozenset()            # the CLI and workers read everything
    if not _rules():
        return frozenset(), frozenset()
    if person is not None:
        names, forms = unreadable(person)
        return frozenset(names), frozenset(forms)
    if "bocage_hidden" not in g:
        names, forms = unreadable()
        g.bocage_hidden = (frozenset(names), frozenset(forms))
    return g.bocage_hidden


def readable_page(name: str, kind: str = "page", person: Person | None = None) -> bool:
    """may_read, costing nothing when no rule is set."""
    return not _rules() or may_read(name, kind or "page", person)


def public(name: str, kind: str = "page") -> bool:
    """Whether a visitor may read page `name`: what federation publishes and serves."""
    return readable_page(name, kind, VISITOR)


def require_read(page) -> None:
    """Raise NotFound, as for a page that does not exist, unless the person may read `page`
    (a Page, or a page name): existence does not leak."""
    if not _rules() or page is None:
        return
    name, kind = (page, "page") if isinstance(page, str) else (page.name, page.kind)
    if not may_read(name, kind or "page"):
        from .content.pages import NotFound
        raise NotFound(_l("There is no page “%(name)s”.", name=name))


def is_admin() -> bool:
    return current_person().is_admin


def may_moderate() -> bool:
    """Moderators and admins read and decide on what waits for moderation."""
    return current_person().is_moderator


def admin_name() -> str:
    """How an admin's (or moderator's) actions are signed in the history and the audit log."""
    return current_person().name


def signed_in_session() -> bool:
    """Whether this request may be someone's (no query): cached page views are for visitors only."""
    return SESSION_ACCOUNT in session or SESSION_PARTY in session or "Authorization" in request.headers


# -- the content layer's write guard ---------------------------------------------------------
def check_write(name: str, kind: str) -> None:
    """Raise Forbidden (a ContentError: the views show its message, with the text kept) unless the person of this request may change page `name`."""
    if not has_request_context():
        return
    if not may_edit(name, kind or "page"):
        person = current_person()
        if person.signed_in or person.party_id:
            raise Forbidden(_l("You may not change this page: it is locked or reserved to some people."))
        raise Forbidden(_l("Sign in to change this page: it is reserved to some people."))


def check_new_fiche(form_id: str) -> None:
    """check_write for a fiche not made yet: the form's rule applies (else the wiki's), as no page
    rule can name it ("" is never a page name). The form for a new fiche and the CSV import call it
    before anything is typed or checked, as the edit form of a locked page does."""
    check_write("", form_id)


def attribution() -> dict:
    """Who a revision made in this request is by: the account, or (anonymous edits) the address
    hash; and the wiki party. Outside requests: nobody in particular."""
    if not has_request_context():
        return {"account": None, "address_hash": None, "party": None}
    person = current_person()
    return {"account": person.account_id,
            "address_hash": None if person.signed_in else address_hash(),
            "party": person.party_id}


# -- route decorators ------------------------------------------------------------------------
def _wants_json() -> bool:
    """JSON for the API, for clients asking for it, and for any request with a bearer token (a
    script's: it reads a status and a JSON error, never a sign-in page)."""
    return (wants_json() or request.is_json or request.accept_mimetypes.best == "application/json"
            or request.headers.get("Authorization", "").lower().startswith("bearer "))


def _refuse(person: Person):
    """401 (JSON) or the sign-in page for strangers; 403 for people without the right."""
    if person.signed_in:
        if _wants_json():
            return jsonify(error=_("You do not have the right to do this.")), 403
        abort(403)
    if _wants_json():
        return jsonify(error=_("Sign in first.")), 401
    target = request.full_path.rstrip("?") if request.method == "GET" else "/"
    return redirect(url_for("accounts.sign_in", next=safe_next_url(target)))


def role_required(role: str):
    """A view for people with `role` or above. The wrapper says so in `required_role` (as
    sign_in_required does): the one mark that tools and tests/test_rights_routes.py read from the
    url_map to know what each route asks, with no list kept by hand."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            person = current_person()
            if person.has_role(role):
                return view(*args, **kwargs)
            return _refuse(person)
        wrapper.required_role = role
        return wrapper
    return decorator


admin_required = role_required("admin")
moderator_required = role_required("moderator")


def sign_in_required(view):
    """A view for any account (one's own account, watches): `required_role` is "signed_in"."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        person = current_person()
        if person.signed_in:
            return view(*args, **kwargs)
        return _refuse(person)
    wrapper.required_role = "signed_in"
    return wrapper


def may_visit(endpoint: str) -> bool:
    """Whether the current person passes the decorator of `endpoint`'s view (its `required_role`):
    menus show only the links that lead somewhere, not to a 403."""
    role = getattr(current_app.view_functions.get(endpoint), "required_role", None)
    person = current_person()
    if role == "signed_in":
        return person.signed_in
    return role is None or person.has_role(role)


def init_app(app):
    from .content import pages
    pages.set_write_guard(check_write, attribution)

    @app.before_request
    def _check_session():
        if SESSION_ACCOUNT in session or SESSION_PARTY in session:
            current_person()        # a disabled account or a changed password ends the session now

    @app.after_request
    def _private(response):
        if SESSION_ACCOUNT in session or SESSION_PARTY in session:   # never kept by a shared cache
            response.headers["Cache-Control"] = "private, no-store"
        return response

    for func in (is_admin, may_moderate, may_read, may_edit, may_visit, current_person):
        app.add_template_global(func)

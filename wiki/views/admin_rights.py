"""Who may read and who may edit: the admin pages for the rules of the wiki, a page, a form.

    /admin/droits                        the whole wiki (and the list of every rule set)
    /wiki/<name>/droits                  one page or fiche ("locked": edited by admins only)
    /admin/formulaires/<form_id>/droits  the fiches of one form

Admins only; the rules themselves are written by wiki/rights_rules.py (audit log included) and
applied by wiki/rights.py.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import rights, rights_rules
from ..accounts.models import AccessRule
from ..content.pages import ContentError, valid_name
from ..fiches import entries
from ..models import Page
from .admin import TOOLS_KEY

bp = Blueprint("admin_rights", __name__)

LABELS = {"all": _l("Everyone (visitors too)"), "signed_in": _l("Signed-in people"),
          "moderators": _l("Moderators and admins"), "admins": _l("Admins only (locked)")}
INSTANCE_EDIT_ALL = _l("Everyone: visitors edit under a pseudonym (anonymous edits)")


def label(rule: str, target: str = "", which: int = 0) -> str:
    if rule.startswith("group:"):
        return _("Members of the group “%(group)s”", group=rule[6:])
    if rule == "all" and target == rights.INSTANCE and which == 1:
        return str(INSTANCE_EDIT_ALL)
    return str(LABELS.get(rule, rule))


def _page_form(target: str, *, heading: str, back: str, action: str, status: int = 200,
               error: str = "", typed=None):
    rule = rights_rules.current(target)
    shown = typed or rule or rights.instance_rule()     # no rule of its own: the wiki's applies
    rules = []
    if target == rights.INSTANCE:
        rules = list(AccessRule.select().where(AccessRule.target != rights.INSTANCE).order_by(AccessRule.target))
    return render_template(
        "admin/rights.html", target=target, heading=heading, back=back, action=action,
        rule=rule, read=shown[0], edit=shown[1], error=error, label=label, rules=rules,
        read_choices=rights_rules.choices(target, 0), edit_choices=rights_rules.choices(target, 1),
        instance_rule=rights.instance_rule()), status


def _save(target: str, done_url: str, again):
    """The POST of the three pages: set or remove the rule; the form again with a message."""
    form = request.form
    try:
        if form.get("action") == "clear" and target != rights.INSTANCE:
            rights_rules.clear_rule(target)
            flash(_("The rule was removed: the wiki's (or the form's) applies."), "notice")
        else:
            rights_rules.set_rule(target, form.get("read", "")[:80], form.get("edit", "")[:80])
            flash(_("Rights saved."), "notice")
    except ContentError as exc:
        return again(status=400, error=exc.message, typed=(form.get("read", ""), form.get("edit", "")))
    return redirect(done_url)


@bp.route("/admin/droits", methods=["GET", "POST"])
@rights.admin_required
def instance():
    def again(**extra):
        return _page_form(rights.INSTANCE, heading=_("Rights on the whole wiki"),
                          back=url_for("admin.home"), action=url_for("admin_rights.instance"), **extra)
    if request.method == "POST":
        return _save(rights.INSTANCE, url_for("admin_rights.instance"), again)
    return again()


@bp.route("/wiki/<name>/droits", methods=["GET", "POST"])
@rights.admin_required
def page(name):
    valid_name(name)
    found = Page.get_or_none(Page.name == name)
    title = found.title if found else name
    target = f"page:{name}"

    def again(**extra):
        return _page_form(target, heading=_("Rights on the page “%(title)s”", title=title),
                          back=url_for("pages.show", name=name),
                          action=url_for("admin_rights.page", name=name), **extra)
    if request.method == "POST":
        return _save(target, url_for("pages.show", name=name), again)
    return again()


@bp.route("/admin/formulaires/<form_id>/droits", methods=["GET", "POST"])
@rights.admin_required
def form(form_id):
    found = entries.catalogue().form(form_id)
    if found is None:
        abort(404)
    target = f"form:{form_id}"

    def again(**extra):
        return _page_form(target, heading=_("Rights on the fiches of “%(form)s”",
                                            form=found.name_in(get_locale().language)),
                          back=url_for("admin_forms.edit_form", form_id=form_id),
                          action=url_for("admin_rights.form", form_id=form_id), **extra)
    if request.method == "POST":
        return _save(target, url_for("admin_rights.form", form_id=form_id), again)
    return again()


def edit_state(name: str, kind: str | None = None) -> str:
    """For the templates: "edit" (show the edit links), "sign_in" (a visitor: signing in may
    help) or "no"; no query when no rule is set."""
    if not rights.any_rule():
        return "edit"
    from .read_guard import page_kind
    kind = kind or page_kind(name)
    if rights.may_edit(name, kind):
        return "edit"
    person = rights.current_person()
    rule = rights.rule_for(name, kind, which=1)
    if not person.signed_in and rule not in ("admins", "moderators"):
        return "sign_in"
    return "no"


def locked(name: str, kind: str | None = None) -> bool:
    """Whether page `name` is edited by admins only (the lock badge)."""
    if not rights.any_rule():
        return False
    from .read_guard import page_kind
    return rights.rule_for(name, kind or page_kind(name), which=1) == "admins"


def init_app(app):
    app.register_blueprint(bp)
    app.add_template_global(edit_state, "edit_state")
    app.add_template_global(locked, "page_locked")
    app.extensions.setdefault(TOOLS_KEY, []).append(("admin_rights.instance", _l("Rights: who may read and edit")))
    app.add_template_global(label, "rights_label")

"""Admins' pages for people: accounts (roles, disabling, confirmation, invitations, the sign-up
mode) and groups. Admins only; the rules and the audit entries are in wiki/accounts/manage.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from .. import audit
from ..accounts import manage, signup
from ..accounts.models import ROLES, Account, Group, Membership
from ..accounts.service import CONTROLS, AccountError, find_account
from ..accounts.settings import set_signup_mode, signup_mode
from ..instance import SIGNUP_MODES
from ..rights import admin_required

#: The roles as people read them (the template's select and the flash after a change).
ROLE_LABELS = {"editor": _l("editor"), "moderator": _l("moderator"), "admin": _l("admin")}

bp = Blueprint("admin_accounts", __name__, url_prefix="/admin")
PAGE = 200


def _account(account_id) -> Account:
    account = Account.get_or_none(Account.id == account_id)
    if account is None:
        abort(404)
    return account


def _group(group_id) -> Group:
    group = Group.get_or_none(Group.id == group_id)
    if group is None:
        abort(404)
    return group


# -- accounts --------------------------------------------------------------------------------
@bp.get("/comptes")
@admin_required
def accounts():
    q = " ".join(CONTROLS.sub("", request.args.get("q", "")).split())[:100]
    query = Account.select().order_by(Account.name_key)
    if q:
        like = f"%{q.casefold()}%"
        query = query.where(Account.name_key ** like | (fn.LOWER(Account.email) ** like))
    rows = list(query.limit(PAGE))
    groups = {}
    for m in Membership.select(Membership.account, Group.name).join(Group).where(
            Membership.account.in_([a.id for a in rows])).order_by(Group.name):
        groups.setdefault(m.account_id, []).append(m.group.name)
    return render_template("admin/accounts.html", rows=rows, groups=groups, q=q, roles=ROLES, role_labels=ROLE_LABELS,
                           mode=signup_mode(), modes=SIGNUP_MODES, more=len(rows) == PAGE)


@bp.post("/comptes/inscription")
@admin_required
def signup_setting():
    mode = request.form.get("mode", "")
    if mode not in SIGNUP_MODES:
        flash(_("Unknown sign-up mode."), "error")
    elif mode != signup_mode():
        set_signup_mode(mode)
        audit.record("signup.mode", mode)
        flash(_("Sign-up is now: %(mode)s.", mode=_mode_label(mode)), "notice")
    return redirect(url_for("admin_accounts.accounts"))


def _mode_label(mode):
    return {"open": _("open to everyone"), "invitation": _("on invitation"), "closed": _("closed")}[mode]


def _do(change, *args, done=""):
    try:
        if change(*args) and done:
            flash(done, "notice")
    except AccountError as error:
        flash(error.message, "error")
    return redirect(url_for("admin_accounts.accounts", q=request.form.get("q") or None))


@bp.post("/comptes/<int:account_id>/role")
@admin_required
def role(account_id):
    account = _account(account_id)
    wanted = request.form.get("role", "")
    return _do(manage.set_role, account, wanted,
               done=_("%(name)s is now %(role)s.", name=account.username,
                      role=ROLE_LABELS.get(wanted, wanted)))


@bp.post("/comptes/<int:account_id>/statut")
@admin_required
def status(account_id):
    account = _account(account_id)
    wanted = request.form.get("status", "")
    return _do(manage.set_status, account, wanted,
               done=_("%(name)s is disabled.", name=account.username) if wanted == "disabled"
               else _("%(name)s is enabled.", name=account.username))


@bp.post("/comptes/<int:account_id>/confirmation")
@admin_required
def resend(account_id):
    account = _account(account_id)
    if account.status != "unconfirmed" or not account.email:
        flash(_("This account has nothing to confirm."), "error")
    elif signup.send_confirmation(account):
        audit.record("account.resend", account.username)
        flash(_("A new confirmation link is on its way to %(name)s.", name=account.username), "notice")
    else:
        flash(_("The e-mail could not be sent (or too many were sent this hour)."), "error")
    return redirect(url_for("admin_accounts.accounts"))


@bp.route("/comptes/inviter", methods=["GET", "POST"])
@admin_required
def invite():
    text, sent, skipped, error = "", [], [], None
    if request.method == "POST":
        text = request.form.get("emails", "")[:20_000]
        try:
            sent, skipped = signup.invite(text)
        except AccountError as exc:
            error = exc.message
        for email in sent:
            audit.record("account.invite", email)
    return render_template("admin/accounts_invite.html", text=text if error or skipped else "",
                           sent=sent, skipped=skipped, error=error, mode=signup_mode()), 400 if error else 200


# -- groups ----------------------------------------------------------------------------------
@bp.get("/groupes")
@admin_required
def groups():
    counts = dict(Membership.select(Membership.group, fn.COUNT(Membership.account))
                  .group_by(Membership.group).tuples())
    return render_template("admin/groups.html", rows=list(Group.select().order_by(Group.name)),
                           counts=counts, error=None, name="", description="")


@bp.post("/groupes")
@admin_required
def create_group():
    name, description = request.form.get("name", "")[:200], request.form.get("description", "")[:300]
    try:
        group = manage.create_group(name, description)
    except AccountError as error:
        return render_template("admin/groups.html", rows=list(Group.select().order_by(Group.name)),
                               counts={}, error=error.message, name=name, description=description), 400
    flash(_("The group %(name)s is made.", name=group.name), "notice")
    return redirect(url_for("admin_accounts.group", group_id=group.id))


def _group_page(group, status=200, error=None, **values):
    members = list(Account.select().join(Membership).where(Membership.group == group.id)
                   .order_by(Account.name_key))
    return render_template("admin/group.html", group=group, members=members, error=error,
                           name=values.get("name", group.name),
                           description=values.get("description", group.description)), status


@bp.get("/groupes/<int:group_id>")
@admin_required
def group(group_id):
    return _group_page(_group(group_id))


@bp.post("/groupes/<int:group_id>")
@admin_required
def rename_group(group_id):
    group = _group(group_id)
    name, description = request.form.get("name", "")[:200], request.form.get("description", "")[:300]
    try:
        manage.rename_group(group, name, description)
    except AccountError as error:
        return _group_page(group, 400, error.message, name=name, description=description)
    flash(_("The group is saved."), "notice")
    return redirect(url_for("admin_accounts.group", group_id=group.id))


@bp.post("/groupes/<int:group_id>/supprimer")
@admin_required
def delete_group(group_id):
    group = _group(group_id)
    manage.delete_group(group)
    flash(_("The group %(name)s is deleted.", name=group.name), "notice")
    return redirect(url_for("admin_accounts.groups"))


@bp.post("/groupes/<int:group_id>/membres")
@admin_required
def add_member(group_id):
    group = _group(group_id)
    username = request.form.get("username", "")[:254]
    account = find_account(username)
    if account is None:
        return _group_page(group, 400, _("There is no account “%(name)s”.", name=username))
    if manage.add_member(group, account):
        flash(_("%(name)s is now in the group.", name=account.username), "notice")
    return redirect(url_for("admin_accounts.group", group_id=group.id))


@bp.post("/groupes/<int:group_id>/membres/<int:account_id>/retirer")
@admin_required
def remove_member(group_id, account_id):
    group, account = _group(group_id), _account(account_id)
    if manage.remove_member(group, account):
        flash(_("%(name)s left the group.", name=account.username), "notice")
    return redirect(url_for("admin_accounts.group", group_id=group.id))

"""One's own account (/compte): password, e-mail address, API tokens, a link to one's edits.

A new API token is shown once, in the page that made it: never flashed (the session cookie is
signed, not encrypted) and never stored except as its digest.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts import service, signup, tokens
from ..accounts.models import Account, Group, Membership
from ..accounts.service import AccountError
from ..render.sanitize import sanitize_text_line
from ..rights import current_person, sign_in_required
from .accounts import bp


def _me() -> Account:
    return Account.get_by_id(current_person().account_id)


def _page(status=200, **extra):
    account = _me()
    groups = [g.name for g in Group.select(Group.name).join(Membership)
              .where(Membership.account == account.id).order_by(Group.name)]
    values = {"new_token": None, "errors": {}, "email_value": "", **extra}
    return render_template("accounts/profile.html", account=account, groups=groups,
                           tokens=tokens.tokens_of(account.id), **values), status


@bp.get("/compte", endpoint="profile")
@sign_in_required
def profile():
    return _page()


@bp.post("/compte/mot-de-passe", endpoint="change_password")
@sign_in_required
def change_password():
    account = _me()
    try:
        signup.change_password(account, request.form.get("current", "")[:1000],
                               request.form.get("password", "")[:1000],
                               request.form.get("password2", "")[:1000])
    except AccountError as error:
        return _page(400, errors={"password": error.message})
    service.start_session(Account.get_by_id(account.id))     # this session goes on; the others end
    flash(_("Your password is changed; your other sessions are closed."), "notice")
    return redirect(url_for("accounts.profile"))


@bp.post("/compte/adresse", endpoint="change_email")
@sign_in_required
def change_email():
    email = request.form.get("email", "")[:254]
    try:
        email = signup.change_email(_me(), request.form.get("current", "")[:1000], email)
    except AccountError as error:
        return _page(400, errors={"email": error.message}, email_value=email)
    flash(_("A message is on its way to %(email)s: your address changes once you follow its link.",
            email=email), "notice")
    return redirect(url_for("accounts.profile"))


@bp.post("/compte/jetons", endpoint="create_token")
@sign_in_required
def create_token():
    label = sanitize_text_line(request.form.get("label", ""))[:100] or "api"
    if current_person().token_id is not None:     # a token does not make more tokens
        return _page(403, errors={"token": _("Sign in with your password to make a token.")})
    value = tokens.create_token(label, current_person().account_id)
    return _page(new_token=value)


@bp.post("/compte/jetons/<int:token_id>/revoquer", endpoint="revoke_token")
@sign_in_required
def revoke_token(token_id):
    if tokens.revoke(token_id, current_person().account_id):
        flash(_("The token is revoked: it does not work any more."), "notice")
    return redirect(url_for("accounts.profile"))

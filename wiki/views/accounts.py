"""Signing in and out. Sign-up, confirmation, password reset and one's own tokens come here too.

Every check (who may sign in, throttling, sessions) lives in wiki/accounts/service.py.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts import service
from ..rights import current_person
from ..security import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.get("/connexion", endpoint="sign_in")
def sign_in_form():
    return render_template("accounts/signin.html", next=safe_next_url(request.args.get("next")),
                           login="", already=current_person().signed_in)


@bp.post("/connexion")
def sign_in_post():
    target = safe_next_url(request.form.get("next"))
    login = request.form.get("login", "")[:254]
    account, wait = service.authenticate(login, request.form.get("password", ""))
    if account is not None and account.status == "active":
        service.start_session(account)
        flash(_("Welcome, %(name)s: you are signed in.", name=account.username), "notice")
        return redirect(target)
    if account is not None:
        error, status = (_("Confirm your e-mail address first: follow the link we sent you.")
                         if account.status == "unconfirmed" else _("This account is disabled.")), 403
    elif wait:
        error, status = _("Too many failed attempts: wait %(seconds)s seconds and try again.", seconds=wait), 429
    else:
        error, status = _("Wrong username or password."), 403
    return render_template("accounts/signin.html", next=target, login=login, error=error,
                           already=False), status


@bp.post("/deconnexion")
def sign_out_post():
    service.end_session()
    flash(_("You are signed out."), "notice")
    return redirect(url_for("pages.home"))

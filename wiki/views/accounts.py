"""Signing in and out, signing up, confirming an address, resetting a password. One's own
account page (/compte) is wiki/views/account_profile.py, on the same blueprint.

Every rule (who may sign in or up, throttling, links, sessions) lives in wiki/accounts/: these
views turn forms into calls and AccountError into messages, keeping what people typed.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts import service, signup
from ..accounts.service import AccountError
from ..accounts.settings import signup_mode
from ..rights import current_person
from ..security import safe_next_url

bp = Blueprint("accounts", __name__)
HONEYPOT = "website"          # a field people never see (hidden by CSS): robots fill it in


def _field(name, size=254) -> str:
    return request.form.get(name, "")[:size]


@bp.get("/connexion", endpoint="sign_in")
def sign_in_form():
    return render_template("accounts/signin.html", next=safe_next_url(request.args.get("next")),
                           login="", already=current_person().signed_in, mode=signup_mode())


@bp.post("/connexion")
def sign_in_post():
    target = safe_next_url(request.form.get("next"))
    login = request.form.get("login", "")[:254]
    account, wait = service.authenticate(login, request.form.get("password", "")[:1000])
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
                           already=False, mode=signup_mode()), status


@bp.post("/deconnexion")
def sign_out_post():
    service.end_session()
    flash(_("You are signed out."), "notice")
    return redirect(url_for("pages.home"))


# -- signing up ------------------------------------------------------------------------------
def _signup_page(status=200, error=None, **values):
    values = {"username": "", "email": "", "invitation": "", **values}
    return render_template("accounts/signup.html", mode=signup_mode(), error=error,
                           honeypot=HONEYPOT, **values), status


@bp.get("/inscription", endpoint="sign_up")
def sign_up_form():
    invitation = request.args.get("invitation", "")[:100]
    if invitation:
        try:
            email = signup.invitation_email(invitation)
        except AccountError as error:
            return render_template("accounts/message.html", title=_("Invitation"),
                                   message=error.message), 410
        return _signup_page(email=email, invitation=invitation)
    if signup_mode() != "open":
        return _signup_page(status=403)
    return _signup_page()


@bp.post("/inscription")
def sign_up_post():
    values = {"username": _field("username", 200), "email": _field("email"),
              "invitation": _field("invitation", 100)}
    if request.form.get(HONEYPOT):         # a robot: it hears what people hear, nothing is made
        return _done(values["email"])
    try:
        account = signup.register(values["username"], values["email"], _field("password", 1000),
                                  _field("password2", 1000), values["invitation"])
    except AccountError as error:
        return _signup_page(status=429 if error.field == "limit" else 400, error=error, **values)
    if account is not None and account.status == "active":
        service.start_session(account)
        flash(_("Welcome, %(name)s: your account is ready and you are signed in.", name=account.username),
              "notice")
        return redirect(url_for("accounts.profile"))
    return _done(values["email"])


def _done(email):
    return render_template("accounts/message.html", title=_("Check your mailbox"), message=_(
        "If everything is right, a message is on its way to %(email)s: follow its link within 48 "
        "hours to confirm your address, then sign in.", email=email[:254]))


@bp.get("/inscription/confirmer/<token>", endpoint="confirm")
def confirm_form(token):
    """A button, not an action: mail scanners that open links must not spend them."""
    return render_template("accounts/confirm.html", token=token[:100])


@bp.post("/inscription/confirmer/<token>")
def confirm_post(token):
    try:
        account = signup.confirm(token)
    except AccountError as error:
        return render_template("accounts/message.html", title=_("Confirm your e-mail address"),
                               message=error.message), 410 if error.field == "token" else 400
    flash(_("Your address %(email)s is confirmed.", email=account.email), "notice")
    if current_person().signed_in:
        return redirect(url_for("accounts.profile"))
    return redirect(url_for("accounts.sign_in"))


# -- password reset --------------------------------------------------------------------------
@bp.get("/mot-de-passe-oublie", endpoint="forgot")
def forgot_form():
    return render_template("accounts/forgot.html", email="")


@bp.post("/mot-de-passe-oublie")
def forgot_post():
    email = _field("email")
    if not request.form.get(HONEYPOT):
        signup.request_reset(email)
    return render_template("accounts/message.html", title=_("Forgot your password?"), message=_(
        "If an account uses %(email)s, a message is on its way to it: follow its link within an "
        "hour to choose a new password.", email=email))


@bp.get("/mot-de-passe-oublie/<token>", endpoint="reset")
def reset_form(token):
    return render_template("accounts/reset.html", token=token[:100])


@bp.post("/mot-de-passe-oublie/<token>")
def reset_post(token):
    try:
        signup.reset_password(token, _field("password", 1000), _field("password2", 1000))
    except AccountError as error:
        if error.field == "token":
            return render_template("accounts/message.html", title=_("Choose a new password"),
                                   message=error.message), 410
        return render_template("accounts/reset.html", token=token[:100], error=error), 400
    service.end_session()
    flash(_("Your new password is set, and every other session of your account is closed: sign in."),
          "notice")
    return redirect(url_for("accounts.sign_in"))


from . import account_profile  # noqa: E402,F401  (the /compte routes, on this blueprint)

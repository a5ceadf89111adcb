"""Sign-up, address confirmation, invitations, password reset and change of address: the rules
the account views go through (they only turn forms into calls and errors into messages).

Nothing here tells a stranger whether an address has an account: signing up with a known
address or asking a reset for any address gives the same answer (the owner of a known address
gets a notice instead). Usernames are public (they sign edits), so "taken" is said plainly.
"""
from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import mail
from ..db import database, utcnow
from .links import find_link, make_link, use_link
from .limits import allow
from .models import Account
from .passwords import verify_password
from .service import (AccountError, check_password, clean_email, clean_username, create_account,
                      name_key, set_password)
from .settings import signup_mode


def _instance_name() -> str:
    return current_app.extensions["bocage.instance"].name


def _send(to: str, subject: str, text: str) -> bool:
    """True when the message left (or is in the outbox); False, logged, when it could not."""
    try:
        mail.send_mail(to, f"[{_instance_name()}] {subject}", text)
        return True
    except mail.MailError:
        return False


def _address() -> str:
    return request.remote_addr or "?"


# -- sign-up ---------------------------------------------------------------------------------
def invitation_email(token: str) -> str:
    """The address an invitation was sent to (AccountError when the link is not usable)."""
    if signup_mode() == "closed":
        raise AccountError(_l("Sign-up is closed on this wiki."), "token")
    return find_link(token, "invite").email


def register(username: str, email: str, password: str, password2: str,
             invitation: str = "") -> Account | None:
    """A new account. Open sign-up: unconfirmed until the link in the e-mail is followed. With an
    invitation to the same address: active at once (the link proved the address). None when the
    address already has an account (its owner gets a notice; the person sees the same answer)."""
    mode = signup_mode()
    link = None
    if invitation:
        invitation_email(invitation)
    elif mode != "open":
        raise AccountError(_l("Sign-up is closed on this wiki.") if mode == "closed" else
                           _l("On this wiki, accounts are made on invitation: ask an administrator."))
    username = clean_username(username)
    if Account.get_or_none(Account.name_key == name_key(username)) is not None:
        raise AccountError(_l("This username is taken: choose another one."), "username")
    email = clean_email(email)
    if not email:
        raise AccountError(_l("Give your e-mail address: we send a link to it to confirm it."), "email")
    check_password(password)
    if password != password2:
        raise AccountError(_l("The two passwords differ: type the same one twice."), "password2")
    if not allow("signup-addr", _address()):
        raise AccountError(_l("Too many accounts were made from your connection: try again in an hour."), "limit")
    if Account.get_or_none(Account.email == email) is not None:
        _send(email, _("Someone tried to sign up with your address"),
              _("Someone (you, perhaps) tried to make an account on %(wiki)s with this address, "
                "which already has an account. If you forgot your password, ask for a new one "
                "here:\n\n%(link)s\n\nIf it was not you, you can ignore this message.",
                wiki=_instance_name(), link=mail.link(url_for("accounts.forgot"))))
        return None
    with database.atomic():
        if invitation:
            link = use_link(invitation, "invite")
        invited = link is not None and link.email == email
        account = create_account(username, password, email=email,
                                 status="active" if invited else "unconfirmed")
    if not invited:
        send_confirmation(account, email)
    return account


def send_confirmation(account: Account, email: str | None = None) -> bool:
    """Mail a confirmation link (48 h) for `email` (default: the account's address)."""
    email = email or account.email
    if not email or not allow("confirm-email", email):
        return False
    token = make_link("confirm", account=account, email=email)
    return _send(email, _("Confirm your e-mail address"),
                 _("Hello %(name)s,\n\nTo confirm this address for your account on %(wiki)s, follow "
                   "this link within 48 hours:\n\n%(link)s\n\nIf you did not ask for it, ignore this "
                   "message: nothing will change.", name=account.username, wiki=_instance_name(),
                   link=mail.link(url_for("accounts.confirm", token=token))))


def confirm(token: str) -> Account:
    """Follow a confirmation link (once): the account becomes active, or its new address counts."""
    with database.atomic():
        link = use_link(token, "confirm")
        account = Account.get_or_none(Account.id == link.account_id)
        if account is None:
            raise AccountError(_l("This account does not exist any more."), "token")
        changes = {}
        if link.email and link.email != account.email:
            other = Account.get_or_none((Account.email == link.email) & (Account.id != account.id))
            if other is not None:
                raise AccountError(_l("An account already uses this e-mail address."), "email")
            changes["email"] = link.email
        if account.status == "unconfirmed":
            changes.update(status="active", confirmed=utcnow())
        if changes:
            Account.update(**changes).where(Account.id == account.id).execute()
    return Account.get_by_id(account.id)


# -- invitations -----------------------------------------------------------------------------
def invite(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Invite each address in `text` (one a line, or separated by commas or spaces): (addresses
    invited, [(address, why not)])."""
    if signup_mode() == "closed":
        raise AccountError(_l("Sign-up is closed: open it (or set it to “on invitation”) first."))
    sent, skipped = [], []
    for raw in sorted(set((text or "").replace(",", " ").replace(";", " ").split()))[:200]:
        try:
            email = clean_email(raw)
        except AccountError as error:
            skipped.append((raw[:254], str(error.message)))
            continue
        if Account.get_or_none(Account.email == email) is not None:
            skipped.append((email, _("This address already has an account.")))
            continue
        token = make_link("invite", email=email)
        if _send(email, _("You are invited to %(wiki)s", wiki=_instance_name()),
                 _("Hello,\n\nYou are invited to make an account on %(wiki)s. Follow this link "
                   "within 7 days to choose your username and password:\n\n%(link)s\n",
                   wiki=_instance_name(), link=mail.link(url_for("accounts.sign_up", invitation=token)))):
            sent.append(email)
        else:
            skipped.append((email, _("The e-mail could not be sent.")))
    return sent, skipped


# -- password reset --------------------------------------------------------------------------
def request_reset(email: str) -> None:
    """Mail a reset link (1 h) if the address has an account; the same silence either way."""
    try:
        email = clean_email(email)
    except AccountError:
        return
    if not email or not allow("reset-addr", _address()) or not allow("reset-email", email):
        return
    account = Account.get_or_none(Account.email == email)
    if account is None or account.status == "disabled":
        return
    token = make_link("reset", account=account)
    _send(email, _("Choose a new password"),
          _("Hello %(name)s,\n\nSomeone (you, perhaps) asked to choose a new password for your "
            "account on %(wiki)s. Follow this link within an hour:\n\n%(link)s\n\nIf it was not you, "
            "ignore this message: your password stays the same.", name=account.username,
            wiki=_instance_name(), link=mail.link(url_for("accounts.reset", token=token))))


def reset_password(token: str, password: str, password2: str) -> Account:
    """Spend a reset link: the new password ends every session of the account; an unconfirmed
    account becomes active (the link proved the address)."""
    find_link(token, "reset")                   # a bad password below must not burn the link
    check_password(password)
    if password != password2:
        raise AccountError(_l("The two passwords differ: type the same one twice."), "password2")
    with database.atomic():
        link = use_link(token, "reset")
        account = Account.get_or_none(Account.id == link.account_id)
        if account is None or account.status == "disabled":
            raise AccountError(_l("This account is disabled."), "token")
        set_password(account, password)
        if account.status == "unconfirmed":
            Account.update(status="active", confirmed=utcnow()).where(Account.id == account.id).execute()
    return Account.get_by_id(account.id)


# -- one's own account -----------------------------------------------------------------------
def check_current_password(account: Account, password: str) -> None:
    if not verify_password(account.password, password or ""):
        raise AccountError(_l("Your current password is not this one."), "current")


def change_password(account: Account, current: str, password: str, password2: str) -> None:
    check_current_password(account, current)
    check_password(password)
    if password != password2:
        raise AccountError(_l("The two passwords differ: type the same one twice."), "password2")
    set_password(account, password)


def change_email(account: Account, current: str, email: str) -> str:
    """Mail a confirmation link to the new address; it replaces the old one once followed."""
    check_current_password(account, current)
    email = clean_email(email)
    if not email:
        raise AccountError(_l("This e-mail address does not look right."), "email")
    if email == account.email:
        raise AccountError(_l("This is already your address."), "email")
    if Account.get_or_none(Account.email == email) is not None:
        raise AccountError(_l("An account already uses this e-mail address."), "email")
    if not send_confirmation(account, email):
        raise AccountError(_l("The e-mail could not be sent: try again later."), "email")
    return email

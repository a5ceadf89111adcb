"""Making accounts and signing people in: the rules every route (forms, CLI, admin) goes through.

Sign-in failures are slowed down per address and per account, in each process: after
MAX_FAILURES failures within WINDOW_S, each new try waits twice as long as the one before
(2 s, 4 s... at most MAX_WAIT_S). Guessing is slow; a forgetful volunteer is not locked out.
"""
import math
import re
import secrets
import time
import unicodedata
from threading import Lock

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from ..db import utcnow
from ..render.sanitize import sanitize_text_line
from ..rights import SESSION_ACCOUNT, SESSION_PARTY, forget_person
from .models import ROLES, Account
from .passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password

MAX_FAILURES = 5
WINDOW_S = 15 * 60
MAX_WAIT_S = 300
USERNAME = re.compile(r"^[\w][\w .'-]{1,38}[\w.]$")       # letters of any language, digits, space . ' -
EMAIL = re.compile(r"^[^@\s<>\"',;\x00-\x1f\x7f]{1,64}@[^@\s<>\"',;\x00-\x1f\x7f]{1,190}"
                   r"\.[^@\s<>\"',;.\x00-\x1f\x7f]{2,}$")
CONTROLS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")      # never in a name or an address


class AccountError(Exception):
    """Refused input: `message` is for people, `field` the form field it is about."""

    def __init__(self, message, field: str = ""):
        super().__init__(str(message))
        self.message, self.field = message, field


def name_key(username: str) -> str:
    """Usernames are unique whatever their case and accents' composition ("Émile" == "émile")."""
    return unicodedata.normalize("NFKC", username).casefold()[:40]


def clean_username(username: str) -> str:
    username = sanitize_text_line(unicodedata.normalize("NFKC", username or "")).strip()
    if not USERNAME.match(username) or "  " in username:
        raise AccountError(_l("A username has 3 to 40 letters, digits, spaces, dots, dashes or "
                              "apostrophes, and starts and ends with a letter or a digit."), "username")
    return username


def clean_email(email: str) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    if len(email) > 254 or not EMAIL.match(email):
        raise AccountError(_l("This e-mail address does not look right."), "email")
    return email


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise AccountError(_l("A password has at least %(n)s characters.", n=MIN_LENGTH), "password")
    if len(password) > MAX_LENGTH:
        raise AccountError(_l("A password has at most %(n)s characters.", n=MAX_LENGTH), "password")
    return password


def create_account(username: str, password: str | None, *, email: str = "", role: str = "editor",
                   status: str = "active") -> Account:
    """A new account; `password` None makes one that signs in only after a password reset."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), "role")
    username, email = clean_username(username), clean_email(email)
    hashed = hash_password(check_password(password)) if password is not None else ""
    if Account.get_or_none(Account.name_key == name_key(username)) is not None:
        raise AccountError(_l("This username is taken: choose another one."), "username")
    if email and Account.get_or_none(Account.email == email) is not None:
        raise AccountError(_l("An account already uses this e-mail address."), "email")
    now = utcnow()
    try:
        return Account.create(username=username, name_key=name_key(username), email=email,
                              password=hashed, role=role, status=status, session_key=secrets.token_hex(16),
                              created=now, confirmed=now if status == "active" else None)
    except IntegrityError:           # the same name or address at the same moment
        raise AccountError(_l("This username is taken: choose another one."), "username") from None


def find_account(login: str) -> Account | None:
    login = CONTROLS.sub("", login or "").strip()[:254]
    if "@" in login:
        return Account.get_or_none(Account.email == login.lower())
    return Account.get_or_none(Account.name_key == name_key(login))


def set_password(account: Account, password: str) -> None:
    """A new password ends every session of the account (its session_key changes)."""
    account.password = hash_password(check_password(password))
    account.session_key = secrets.token_hex(16)
    Account.update(password=account.password, session_key=account.session_key).where(
        Account.id == account.id).execute()


# -- throttling ------------------------------------------------------------------------------
class Throttle:
    def __init__(self):
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = Lock()

    def wait(self, key: str) -> int:
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
        if count < MAX_FAILURES:
            return 0
        remaining = last + min(2 ** (count - MAX_FAILURES + 1), MAX_WAIT_S) - time.monotonic()
        return max(0, math.ceil(remaining))

    def failed(self, key: str) -> None:
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
            if time.monotonic() - last > WINDOW_S:
                count = 0
            self._failures[key] = (count + 1, time.monotonic())
            if len(self._failures) > 10_000:          # never grow without end
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def throttle() -> Throttle:
    return current_app.extensions.setdefault("bocage.signin_throttle", Throttle())


def authenticate(login: str, password: str) -> tuple[Account | None, int]:
    """(account, 0) when the password is right; (None, seconds to wait) or (None, 0) when not.
    Unconfirmed and disabled accounts do not sign in (the view says why)."""
    keys = ["addr:" + (request.remote_addr or "?"), "login:" + name_key(login or "")]
    wait = max(throttle().wait(key) for key in keys)
    if wait:
        return None, wait
    account = find_account(login)
    if not verify_password(account.password if account else "", password or ""):
        for key in keys:
            throttle().failed(key)
        return None, 0
    for key in keys:
        throttle().succeeded(key)
    if needs_rehash(account.password):
        Account.update(password=hash_password(password)).where(Account.id == account.id).execute()
    return account, 0


def start_session(account: Account) -> None:
    """The session is cleared first: nothing set before signing in (by someone else: session
    fixation) survives it. Flask's session is a signed cookie: clearing it gives a new one."""
    session.clear()
    session.permanent = True
    session[SESSION_ACCOUNT] = (account.id, account.session_key)
    Account.update(last_login=utcnow()).where(Account.id == account.id).execute()
    forget_person()


def end_session() -> None:
    session.pop(SESSION_ACCOUNT, None)
    session.pop(SESSION_PARTY, None)
    session.clear()
    forget_person()

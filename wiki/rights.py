"""Who may do what: the one place that decides it.

Interim, until accounts (issue 5): an admin is someone who signed in at /admin/connexion with a
valid API token; the session (Flask's signed cookie) remembers the token's id, never the token,
and every request checks that the token is still valid, so revoking it ends the session at once.
Accounts will replace `current_admin()` and `sign_in()`; routes only use `admin_required`,
`is_admin()` (also in templates), `may_moderate()`, `admin_name()`, and for the API
`bearer_token()`.
"""
import functools
import math
import time
from dataclasses import dataclass
from threading import Lock

from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _

from .content.tokens import check_token
from .errors import wants_json
from .models import ApiToken
from .security import safe_next_url

SESSION_KEY = "admin_token"
# Failed sign-ins, per address and per process (interim: a few guesses slowed down, not a wall).
MAX_FAILURES = 5
WINDOW_S = 15 * 60
MAX_WAIT_S = 300


@dataclass(frozen=True)
class Admin:
    token_id: int
    label: str


def current_admin() -> Admin | None:
    """The signed-in admin of this request, or None. A revoked or deleted token ends the session."""
    if "bocage_admin" in g:
        return g.bocage_admin
    admin = None
    token_id = session.get(SESSION_KEY)
    if token_id is not None:
        found = ApiToken.get_or_none((ApiToken.id == token_id) & (ApiToken.revoked == False))  # noqa: E712
        if found is None:
            session.clear()
        else:
            admin = Admin(found.id, found.label)
    g.bocage_admin = admin
    return admin


def bearer_token() -> ApiToken | None:
    """The valid API token sent with this request (`Authorization: Bearer <token>`), if any: what
    the API's writing routes and private fields need."""
    if "bocage_bearer" not in g:
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        g.bocage_bearer = check_token(token.strip()) if scheme.lower() == "bearer" else None
    return g.bocage_bearer


def is_admin() -> bool:
    return current_admin() is not None


def may_moderate() -> bool:
    """Who may read and change fiches waiting for moderation (moderators, once roles exist)."""
    return is_admin()


def signed_in_session() -> bool:
    """Whether this request may be an admin's (no query): cached page views are for visitors only."""
    return SESSION_KEY in session


def admin_name() -> str:
    """How an admin's actions are signed in the history."""
    admin = current_admin()
    return f"admin ({admin.label})"[:100] if admin else ""


def _wants_json() -> bool:
    return wants_json() or request.is_json or request.accept_mimetypes.best == "application/json"


def admin_required(view):
    """HTML routes send strangers to the sign-in page (and back afterwards); JSON routes answer
    401 (not signed in). 403 is for accounts without the right role, once they exist."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if is_admin():
            return view(*args, **kwargs)
        if _wants_json():
            return jsonify(error=_("Sign in as an administrator first.")), 401
        # after signing in, back to the page; a refused POST leads to the admin home instead
        target = request.full_path.rstrip("?") if request.method == "GET" else url_for("admin.home")
        return redirect(url_for("admin.sign_in", next=safe_next_url(target)))
    return wrapper


# -- signing in ------------------------------------------------------------------------------
class _Throttle:
    def __init__(self):
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = Lock()

    def wait(self, address: str) -> int:
        """Seconds this address must still wait before trying again (0: it may try): after
        MAX_FAILURES failures, 2 s, then twice as long after each new failure, at most MAX_WAIT_S."""
        with self._lock:
            count, last = self._failures.get(address, (0, 0.0))
        if count < MAX_FAILURES:
            return 0
        remaining = last + min(2 ** (count - MAX_FAILURES + 1), MAX_WAIT_S) - time.monotonic()
        return max(0, math.ceil(remaining))

    def failed(self, address: str) -> None:
        with self._lock:
            count, last = self._failures.get(address, (0, 0.0))
            if time.monotonic() - last > WINDOW_S:
                count = 0
            self._failures[address] = (count + 1, time.monotonic())
            if len(self._failures) > 10_000:          # never grow without end
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def _throttle() -> _Throttle:
    return current_app.extensions.setdefault("bocage.signin_throttle", _Throttle())


def sign_in(token: str) -> tuple[bool, int]:
    """(signed in, seconds to wait). The session is cleared first: nothing set before signing in
    (by someone else, a fixation attack) survives it."""
    address = request.remote_addr or "?"
    wait = _throttle().wait(address)
    if wait:
        return False, wait
    found = check_token(token.strip())
    if found is None:
        _throttle().failed(address)
        return False, 0
    _throttle().succeeded(address)
    session.clear()
    session[SESSION_KEY] = found.id
    g.pop("bocage_admin", None)
    return True, 0


def sign_out() -> None:
    session.clear()
    g.pop("bocage_admin", None)


def init_app(app):
    @app.before_request
    def _check_session():
        if SESSION_KEY in session:
            current_admin()       # a revoked token ends the session now, whatever the route

    @app.after_request
    def _private(response):
        if SESSION_KEY in session:        # an admin's pages: never kept by a shared cache
            response.headers["Cache-Control"] = "private, no-store"
        return response

    app.add_template_global(is_admin)
